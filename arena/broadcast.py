"""Telling open pages that something changed (Channels groups)."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger(__name__)


def group_send(group: str, message: dict, *, wait: bool = True) -> None:
    """Best effort: a page that misses a message catches up on its next load.

    `wait=False` (a vote's messages) hands the message to this process's sender thread and returns at
    once. With Redis, sending in the request cost a vote about 6 ms of CPU (a new event loop, and a new
    connection to Redis, for each message); the sender keeps one loop and its connections. The
    in-memory layer (one process) is always sent to at once, on its consumers' loop.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    if not wait and not isinstance(layer, InMemoryChannelLayer):  # in memory: consumers of this process's loop
        _sender().send(layer, group, message)
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        log.warning("could not broadcast to %s", group, exc_info=True)


class _Sender:
    """An event loop on a daemon thread of this process, sending messages in the order given."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.pending: set[concurrent.futures.Future[None]] = set()
        threading.Thread(target=self.loop.run_forever, name="broadcast", daemon=True).start()
        self.last: concurrent.futures.Future[None] | None = None
        self.lock = threading.Lock()  # requests on several threads (daphne) send through one sender

    def send(self, layer: Any, group: str, message: dict) -> None:
        with self.lock:
            future = asyncio.run_coroutine_threadsafe(self._after(self.last, layer, group, message), self.loop)
            self.last = future
            self.pending.add(future)
        future.add_done_callback(self.pending.discard)

    @staticmethod
    async def _after(previous: concurrent.futures.Future[None] | None, layer: Any, group: str, message: dict) -> None:
        if previous is not None:  # in order: the previous message first
            await asyncio.wrap_future(previous)
        try:
            await layer.group_send(group, message)
        except Exception:
            log.warning("could not broadcast to %s", group, exc_info=True)

    def drain(self, timeout: float = 2.0) -> None:
        """Wait (a little) for the messages not sent yet: at exit, so that the last ones are not lost."""
        concurrent.futures.wait(list(self.pending), timeout=timeout)


_senders: dict[int, _Sender] = {}  # by process id: a forked process starts its own
_senders_lock = threading.Lock()


def _sender() -> _Sender:
    with _senders_lock:
        sender = _senders.get(os.getpid())
        if sender is None:
            sender = _senders[os.getpid()] = _Sender()
            atexit.register(sender.drain)
        return sender


def votes_changed(**kwargs: object) -> None:
    """Receiver of `arena.signals.votes_changed`: the arena pages' vote counter."""
    from arena.selectors import votes_today_after_vote

    group_send("arena", {"type": "arena.votes", "votes_today": votes_today_after_vote()}, wait=False)


def study_group(study_id: int) -> str:
    """The group of a study's open dashboards."""
    return f"study-{study_id}"


def study_changed(*, study: int | None = None, **kwargs: object) -> None:
    """Receiver of `votes_changed` and `participants_changed`: a study's dashboards refetch their figures.

    One small message per event; each dashboard's socket lets at most one through a second (`StudyConsumer`).
    """
    if study is not None:
        group_send(study_group(study), {"type": "study.changed"}, wait=False)
