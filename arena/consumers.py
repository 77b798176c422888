from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from arena.selectors import votes_today

GROUP = "arena"


class ArenaConsumer(AsyncJsonWebsocketConsumer):
    """Live counters for the vote page."""

    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send_json({"votes_today": await self.count()})

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def arena_votes(self, event: dict[str, Any]) -> None:
        await self.send_json({"votes_today": event["votes_today"]})

    @database_sync_to_async
    def count(self) -> int:
        return votes_today()
