from __future__ import annotations

from django.apps import AppConfig


class ArenaConfig(AppConfig):
    name = "arena"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from arena import broadcast, services

        services.AFTER_VOTE_HOOKS.append(broadcast.votes_changed)
