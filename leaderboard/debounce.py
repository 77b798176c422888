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
    """
    if not cache.add(key, 1, timeout=int(delay) + 600):
        return
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: task.apply_async(countdown=delay))
        return
    timer = threading.Timer(delay, _run_in_thread, args=(key, run_here))
    timer.daemon = True
    transaction.on_commit(timer.start)


def _run_in_thread(key: str, run: Callable[[], Any]) -> None:
    close_old_connections()
    try:
        run()
    except Exception:
        cache.delete(key)
        log.exception("background job %s failed", key)
    finally:
        close_old_connections()
