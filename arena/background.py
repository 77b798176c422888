"""Background work, one way for every app: on Celery when a broker is configured, else on a thread.

`submit` runs a Celery task soon; `debounced` runs one once per burst of
requests. Both wait for the current transaction to commit, so the work sees
what its caller wrote. Without a broker (the single-machine setup) the task's
function runs on a named in-process thread pool, with the thread's database
connections closed before and after.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, transaction

log = logging.getLogger(__name__)

_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def uses_celery() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def submit(task: Any, *args: Any, pool: str = "background", workers: int = 1) -> Future[Any] | None:
    """Run the Celery task `task(*args)` after the commit: queued, or on the thread pool `pool`.

    Returns a future of the result when it runs here, None when it is queued.
    `workers` sizes the pool the first time it is used.
    """
    if uses_celery():
        transaction.on_commit(lambda: _enqueue(task, args=args))
        return None
    done: Future[Any] = Future()
    transaction.on_commit(lambda: _pool(pool, workers).submit(_run_here, task, args, done))
    return done


def debounced(*, key: str, delay: float, task: Any) -> None:
    """Run the Celery task `task()` in `delay` seconds, unless it is already scheduled.

    The task clears `key` (`debounce_clear`) when it starts, so a request
    arriving while it runs schedules the next one; a failure clears it too, so
    the next request retries. Best effort: with the cache or the broker
    unreachable (Redis restarting) nothing is scheduled and the caller goes on.
    """
    try:
        if not cache.add(key, 1, timeout=int(delay) + 600):
            return
    except Exception:
        log.warning("could not schedule %s: the cache is unreachable", key, exc_info=True)
        return
    if uses_celery():
        transaction.on_commit(lambda: _enqueue(task, countdown=delay, key=key))
        return
    timer = threading.Timer(delay, _run_debounced, args=(key, task))
    timer.daemon = True
    transaction.on_commit(timer.start)


def debounce_clear(key: str) -> None:
    """Let the next request schedule the job again."""
    try:
        cache.delete(key)
    except Exception:
        log.warning("could not clear %s: the cache is unreachable", key, exc_info=True)


def _enqueue(task: Any, *, key: str = "", **options: Any) -> None:
    """`task.apply_async(**options)`; a broker that cannot be reached is logged (and the debounce key freed)."""
    try:
        task.apply_async(**options)
    except Exception:
        log.warning("could not queue %s: the broker is unreachable", task.name, exc_info=True)
        if key:
            debounce_clear(key)


def _pool(name: str, workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if name not in _pools:
            _pools[name] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        return _pools[name]


def pools_drain() -> None:
    """Wait for the work of every in-process pool, oldest pool first, and forget them (tests, shutdown).

    Work that queues more work (a render queues its metrics) is waited for too.
    """
    while True:
        with _pools_lock:
            if not _pools:
                return
            pool = _pools.pop(next(iter(_pools)))
        pool.shutdown(wait=True)


def _run_here(task: Any, args: tuple[Any, ...], done: Future[Any]) -> None:
    close_old_connections()
    try:
        done.set_result(task(*args))
    except Exception as exc:
        log.exception("background job %s%r failed", task.name, args)
        done.set_exception(exc)
    finally:
        close_old_connections()


def _run_debounced(key: str, task: Any) -> None:
    close_old_connections()
    try:
        task()
    except Exception:
        debounce_clear(key)
        log.exception("background job %s failed", key)
    finally:
        close_old_connections()
