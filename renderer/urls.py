from __future__ import annotations

from django.urls import path

from renderer import views

app_name = "renderer"
urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("progress/", views.progress, name="progress"),
    path("upload/", views.upload, name="upload"),
    path("asset/<str:public_id>/", views.asset_detail, name="asset"),
]
