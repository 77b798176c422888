from __future__ import annotations

from django.urls import path

from leaderboard import correlation_views, views

app_name = "leaderboard"
urlpatterns = [
    path("", views.board_page, name="board"),
    path("api/board/", views.api_board, name="api-board"),
    path("api/history/", views.api_history, name="api-history"),
    path("api/snapshots/<str:public_id>/", views.api_snapshot, name="api-snapshot"),
    path("variants/", views.variants_page, name="variants"),
    path("api/variants/", views.api_variants, name="api-variants"),
    path("export/", views.export, name="export"),
    path("correlation/", correlation_views.correlation_page, name="correlation"),
    path("api/correlation/", correlation_views.api_correlation, name="api-correlation"),
    path("correlation/download.<str:fmt>", correlation_views.correlation_download, name="correlation-download"),
]
