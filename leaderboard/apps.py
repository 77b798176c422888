from __future__ import annotations

from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "leaderboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from arena import services as arena_services
        from leaderboard import services

        arena_services.AFTER_VOTE_HOOKS.append(services.refresh_request)
