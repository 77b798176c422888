from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from leaderboard.services import GROUP


class LeaderboardConsumer(AsyncJsonWebsocketConsumer):
    """Tells open leaderboard and correlation pages that new snapshots or a new report landed."""

    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def leaderboard_updated(self, event: dict[str, Any]) -> None:
        await self.send_json({"snapshots": event["snapshots"]})

    async def correlation_updated(self, event: dict[str, Any]) -> None:
        await self.send_json({"correlation": event["report"]})
