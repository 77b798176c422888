"""Telling open pages that something changed (Channels groups)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def group_send(group: str, message: dict) -> None:
    """Best effort: a page that misses a message catches up on its next load."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        log.warning("could not broadcast to %s", group, exc_info=True)


def votes_changed(**kwargs: object) -> None:
    """Receiver of `arena.signals.votes_changed`: the arena pages' vote counter."""
    from arena.selectors import votes_today_after_vote

    group_send("arena", {"type": "arena.votes", "votes_today": votes_today_after_vote()})
