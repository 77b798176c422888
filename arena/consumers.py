from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from arena.broadcast import study_group
from arena.models import Study
from arena.selectors import votes_today

GROUP = "arena"
CHANGED = {"changed": True}


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


class StudyConsumer(AsyncJsonWebsocketConsumer):
    """Tells a study's open dashboards (staff only) that its figures changed; the page fetches them.

    Coalesced: the first change is told at once, the changes of the next `interval` seconds in one
    message at its end, so each open dashboard fetches its figures at most once per `interval`.
    """

    interval = 1.0
    group = ""
    pending = False
    quiet: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not (user.is_active and user.is_staff):
            await self.close(code=4403)
            return
        study_id = await self.study_id(self.scope["url_route"]["kwargs"]["slug"])
        if study_id is None:
            await self.close(code=4404)
            return
        self.group = study_group(study_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(CHANGED)  # a reconnected page catches up

    async def disconnect(self, code: int) -> None:
        if self.quiet is not None:
            self.quiet.cancel()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def study_changed(self, event: dict[str, Any]) -> None:
        if self.quiet is not None and not self.quiet.done():
            self.pending = True
            return
        await self.send_json(CHANGED)
        self.quiet = asyncio.create_task(self.tell_pending())

    async def tell_pending(self) -> None:
        """After each `interval`, one message for the changes that arrived in it; done after a quiet one."""
        while True:
            await asyncio.sleep(self.interval)
            if not self.pending:
                return
            self.pending = False
            await self.send_json(CHANGED)

    @database_sync_to_async
    def study_id(self, slug: str) -> int | None:
        return Study.objects.filter(slug=slug).values_list("id", flat=True).first()
