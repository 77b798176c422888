"""Render jobs: the Celery task, and queueing renders through `arena.background`."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from celery import shared_task
from django.conf import settings

from arena import background
from renderer.services import asset_render, assets_reset


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3, default_retry_delay=10)
def render_asset(asset_id: int) -> str | None:
    """Render one asset by id; idempotent, so a redelivered job is harmless."""
    asset = asset_render(asset_id=asset_id)
    return asset.status if asset else None


def asset_render_enqueue(*, asset_ids: list[int], force: bool = False) -> list[Future[Any]]:
    """Queue renders after the commit: on Celery, or on the in-process render pool.

    Returns the futures of renders that run here (none when queued on Celery).
    """
    if force:
        assets_reset(asset_ids)
    futures = [
        background.submit(render_asset, asset_id, pool="render", workers=settings.RENDER_WORKERS)
        for asset_id in asset_ids
    ]
    return [future for future in futures if future is not None]


def renders_requested(*, asset_ids: list[int], force: bool = False, **kwargs: Any) -> None:
    """Receiver of `arena.signals.renders_requested` (the admin's "Render again")."""
    asset_render_enqueue(asset_ids=asset_ids, force=force)
