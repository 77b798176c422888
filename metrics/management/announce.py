"""What the metric commands print after they stored values: the apps above refresh now."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from arena.signals import emit
from metrics.signals import metrics_changed


def changes_announce(command: BaseCommand) -> None:
    """Send `metrics_changed` with `now`, and print each receiver's outcome (the correlation report)."""
    started = time.perf_counter()
    for outcome in emit(metrics_changed, now=True):
        if outcome:
            command.stdout.write(f"Correlation report: {outcome} ({time.perf_counter() - started:.1f} s)")
