"""The process-wide render pool, built from Django settings on first use."""

from __future__ import annotations

import atexit
import threading

from django.conf import settings

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool

_pool: RenderPool | None = None
_lock = threading.Lock()


def render_config() -> RenderConfig:
    return RenderConfig(
        workers=settings.RENDER_WORKERS,
        timeout_s=settings.RENDER_TIMEOUT,
        memory_mb=settings.RENDER_MEMORY_MB,
        views=settings.RENDER_VIEWS,
        size=settings.RENDER_SIZE,
        engine=settings.RENDER_ENGINE,
        framing=settings.RENDER_FRAMING,
        compress=settings.RENDER_COMPRESS,
        sandbox=settings.RENDER_SANDBOX,
    )


def get_pool() -> RenderPool:
    global _pool
    with _lock:
        if _pool is None:
            _pool = RenderPool(render_config())
            atexit.register(_pool.close)
        return _pool
