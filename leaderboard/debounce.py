"""Run a job once per burst of requests: on Celery when a broker is set, else on a timer thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, transaction

log = logging.getLogger(__name__)


def debounced(*, key: str, delay: float, task: Any, run_here: Callable[[], Any]) -> None:
    """Schedule `task` (a Celery task) or `run_here` in `delay` seconds, unless already scheduled.

    The job clears `key` when it starts, so a request arriving while it runs
    schedules the next one; a failure clears it too, so the next request retries.
    Best effort: with the cache or the broker unreachable (Redis restarting) nothing
    is scheduled and the caller goes on; the next request after it is back schedules.
    """
    try:
        if not cache.add(key, 1, timeout=int(delay) + 600):
            return
    except Exception:
        log.warning("could not schedule %s: the cache is unreachable", key, exc_info=True)
        return
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: _enqueue(key, task, delay))
        return
    timer = threading.Timer(delay, _run_in_thread, args=(key, run_here))
    timer.daemon = True
    transaction.on_commit(timer.start)


def _enqueue(key: str, task: Any, delay: float) -> None:
    try:
        task.apply_async(countdown=delay)
    except Exception:
        log.warning("could not queue %s: the broker is unreachable", key, exc_info=True)
        _forget(key)


def _forget(key: str) -> None:
    """Let the next request schedule the job again."""
    try:
        cache.delete(key)
    except Exception:
        log.warning("could not clear %s: the cache is unreachable", key, exc_info=True)


def _run_in_thread(key: str, run: Callable[[], Any]) -> None:
    close_old_connections()
    try:
        run()
    except Exception:
        _forget(key)
        log.exception("background job %s failed", key)
    finally:
        close_old_connections()
