from __future__ import annotations

from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "leaderboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from arena import services as arena_services
        from leaderboard import correlation_services, services
        from leaderboard.models import Snapshot

        arena_services.AFTER_VOTE_HOOKS.append(services.refresh_request)
        post_save.connect(correlation_services.snapshot_saved, sender=Snapshot, dispatch_uid="correlation-report")
