from __future__ import annotations

from django.urls import path

from arena.consumers import ArenaConsumer, StudyConsumer

websocket_urlpatterns = [
    path("ws/arena/", ArenaConsumer.as_asgi()),
    path("ws/study/<slug:slug>/", StudyConsumer.as_asgi()),
]
