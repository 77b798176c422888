from __future__ import annotations

from django.urls import path

from leaderboard import views

app_name = "leaderboard"
urlpatterns = [
    path("", views.board_page, name="board"),
    path("api/board/", views.api_board, name="api-board"),
    path("api/history/", views.api_history, name="api-history"),
    path("api/snapshots/<str:public_id>/", views.api_snapshot, name="api-snapshot"),
    path("export/", views.export, name="export"),
]
