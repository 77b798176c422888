from __future__ import annotations

from django.urls import path

from arena import study_views

app_name = "study"
urlpatterns = [
    path("<slug:slug>/", study_views.study_page, name="page"),
    path("<slug:slug>/consent/", study_views.study_consent, name="consent"),
    path("<slug:slug>/api/battles/", study_views.study_api_battle, name="api-battle"),
    path("<slug:slug>/api/vote/", study_views.study_api_vote, name="api-vote"),
    path("<slug:slug>/dashboard/", study_views.study_dashboard, name="dashboard"),
    path("<slug:slug>/api/dashboard/", study_views.study_api_dashboard, name="api-dashboard"),
    path("<slug:slug>/api/agreement/", study_views.study_api_agreement, name="api-agreement"),
]
