from __future__ import annotations

from django.urls import path

from renderer.consumers import RenderProgressConsumer

websocket_urlpatterns = [path("ws/renders/", RenderProgressConsumer.as_asgi())]
