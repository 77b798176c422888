from __future__ import annotations

from arena.routing import websocket_urlpatterns as arena_ws
from leaderboard.routing import websocket_urlpatterns as leaderboard_ws
from renderer.routing import websocket_urlpatterns as renderer_ws

websocket_urlpatterns = [*arena_ws, *leaderboard_ws, *renderer_ws]
