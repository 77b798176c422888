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


def study_group(study_id: int) -> str:
    """The group of a study's open dashboards."""
    return f"study-{study_id}"


def study_changed(*, study: int | None = None, **kwargs: object) -> None:
    """Receiver of `votes_changed` and `participants_changed`: a study's dashboards refetch their figures.

    One small message per event; each dashboard's socket lets at most one through a second (`StudyConsumer`).
    """
    if study is not None:
        group_send(study_group(study), {"type": "study.changed"})
