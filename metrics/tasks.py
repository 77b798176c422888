"""Metric jobs: the Celery task, and what runs when a render lands."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from arena import background
from arena.signals import emit
from metrics.services import asset_metrics_compute
from metrics.signals import metrics_changed


@shared_task(acks_late=True)
def compute_asset_metrics(asset_id: int) -> int:
    """Compute one asset's metrics (or, for a reference, its outputs'), then tell the apps above."""
    written = asset_metrics_compute(asset_id=asset_id)
    emit(metrics_changed, now=False)
    return len(written)


def asset_rendered(*, asset_id: int, **kwargs: Any) -> None:
    """Receiver of `renderer.signals.asset_rendered` (already after the commit)."""
    background.submit(compute_asset_metrics, asset_id, pool="metrics")
