from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from config.views import openapi_json
from leaderboard.study_exports import study_export
from leaderboard.study_views import study_api_board, study_board_page

urlpatterns = [
    path("", RedirectView.as_view(url="/arena/", permanent=False)),
    path("api/openapi.json", openapi_json, name="openapi"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("arena/", include("arena.urls")),
    path("study/<slug:slug>/export/", study_export, name="study-export"),
    path("study/<slug:slug>/board/", study_board_page, name="study-board"),
    path("study/<slug:slug>/api/board/", study_api_board, name="study-api-board"),
    path("study/", include("arena.study_urls")),
    path("leaderboard/", include("leaderboard.urls")),
    path("renders/", include("renderer.urls")),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
