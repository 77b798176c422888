"""Leaderboard jobs: the Celery tasks, and the receivers that schedule them (debounced)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from arena import background
from leaderboard import correlation_services, services, study_services


@shared_task(acks_late=True)
def refresh_leaderboards() -> int:
    """Recompute every board whose votes changed (queued, debounced, after votes)."""
    return len(services.snapshots_refresh())


@shared_task(acks_late=True)
def refresh_study_boards() -> int:
    """Refit every study board whose votes changed (queued, debounced, after study votes)."""
    return len(study_services.study_boards_refresh())


@shared_task(acks_late=True)
def correlation_report_refresh() -> str | None:
    """Recompute the correlation report (queued, debounced, after snapshots or metrics land)."""
    background.debounce_clear(correlation_services.PENDING_KEY)
    report = correlation_services.report_compute()
    return report.public_id if report else None


def refresh_request(**kwargs: Any) -> None:
    """Receiver of `arena.signals.votes_changed`: a burst of votes within the debounce window makes one refresh."""
    background.debounced(
        key=services.PENDING_KEY, delay=float(settings.LEADERBOARD_DEBOUNCE_SECONDS), task=refresh_leaderboards
    )


def study_refresh_request(*, study: int | None = None, **kwargs: Any) -> None:
    """Receiver of `arena.signals.votes_changed`: a burst of a study's votes makes one refit of the study boards."""
    if study is None:
        return
    background.debounced(
        key=study_services.PENDING_KEY, delay=float(settings.LEADERBOARD_DEBOUNCE_SECONDS), task=refresh_study_boards
    )


def report_request(**kwargs: Any) -> None:
    """Receiver of `snapshots_stored`: a burst of snapshots or metrics makes one report."""
    background.debounced(
        key=correlation_services.PENDING_KEY,
        delay=float(settings.LEADERBOARD_DEBOUNCE_SECONDS),
        task=correlation_report_refresh,
    )


def report_refresh_now() -> str:
    """From a command: queue the report on Celery, or compute it here. Says what happened."""
    if background.uses_celery():
        correlation_report_refresh.delay()
        return "queued"
    report = correlation_services.report_compute()
    return f"stored {report.public_id}" if report else "no leaderboard snapshot yet"


def metrics_changed(*, now: bool = False, **kwargs: Any) -> str | None:
    """Receiver of `metrics.signals.metrics_changed`: the report now (a command) or soon."""
    if now:
        return report_refresh_now()
    report_request()
    return None
