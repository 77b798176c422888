from __future__ import annotations

from celery import shared_task

from leaderboard.services import snapshots_refresh


@shared_task(acks_late=True)
def refresh_leaderboards() -> int:
    """Recompute every board (queued, debounced, after votes)."""
    return len(snapshots_refresh())


from leaderboard.correlation_services import correlation_report_refresh  # noqa: E402, F401
