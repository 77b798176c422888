from __future__ import annotations

from celery import shared_task

from renderer.services import asset_render


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3, default_retry_delay=10)
def render_asset(asset_id: int) -> str | None:
    """Render one asset by id; idempotent, so a redelivered job is harmless."""
    asset = asset_render(asset_id=asset_id)
    return asset.status if asset else None


# Defined beside the scoring services; imported here so Celery's autodiscovery finds it.
from renderer.scoring import compute_asset_metrics  # noqa: E402, F401
