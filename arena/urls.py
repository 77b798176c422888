from __future__ import annotations

from django.urls import path

from arena import views

app_name = "arena"
urlpatterns = [
    path("", views.vote_page, name="vote"),
    path("me/", views.me, name="me"),
    path("api/battles/", views.api_battle, name="api-battle"),
    path("api/vote/", views.api_vote, name="api-vote"),
    path("api/stats/", views.api_stats, name="api-stats"),
    path("agreement/", views.agreement_page, name="agreement"),
    path("api/agreement/", views.api_agreement, name="api-agreement"),
    path("b/<str:battle_id>/<str:side>.glb", views.battle_file, name="battle-glb"),
    path("b/<str:battle_id>/<str:side>/<int:view>.png", views.battle_file, name="battle-view"),
]
