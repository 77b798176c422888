from __future__ import annotations

from django.apps import AppConfig

REFRESH_UID = "leaderboard-refresh"  # the receiver that refreshes the boards after votes


class LeaderboardConfig(AppConfig):
    name = "leaderboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from arena import signals as arena_signals
        from leaderboard import selectors, signals, tasks
        from metrics import signals as metrics_signals

        arena_signals.votes_changed.connect(tasks.refresh_request, dispatch_uid=REFRESH_UID)
        arena_signals.votes_changed.connect(tasks.study_refresh_request, dispatch_uid="leaderboard-study-refresh")
        arena_signals.ratings_wanted.connect(selectors.sampler_ratings, dispatch_uid="leaderboard-sampler-ratings")
        signals.snapshots_stored.connect(tasks.report_request, dispatch_uid="leaderboard-correlation")
        metrics_signals.metrics_changed.connect(tasks.metrics_changed, dispatch_uid="leaderboard-correlation-metrics")
