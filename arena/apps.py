from __future__ import annotations

from django.apps import AppConfig


class ArenaConfig(AppConfig):
    name = "arena"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from arena import broadcast, signals, study_selectors
        from arena.models import Study

        post_save.connect(study_selectors.study_forget, sender=Study, dispatch_uid="arena-study-forget")
        post_delete.connect(study_selectors.study_forget, sender=Study, dispatch_uid="arena-study-forget-deleted")

        signals.votes_changed.connect(broadcast.votes_changed, dispatch_uid="arena-votes-today")
        signals.votes_changed.connect(broadcast.study_changed, dispatch_uid="arena-study-votes")
        signals.participants_changed.connect(broadcast.study_changed, dispatch_uid="arena-study-participants")
