from __future__ import annotations

from django.apps import AppConfig


class ArenaConfig(AppConfig):
    name = "arena"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from arena import broadcast, signals

        signals.votes_changed.connect(broadcast.votes_changed, dispatch_uid="arena-votes-today")
        signals.votes_changed.connect(broadcast.study_changed, dispatch_uid="arena-study-votes")
        signals.participants_changed.connect(broadcast.study_changed, dispatch_uid="arena-study-participants")
