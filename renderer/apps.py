from __future__ import annotations

from django.apps import AppConfig


class RendererConfig(AppConfig):
    name = "renderer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from arena import signals as arena_signals
        from renderer import tasks

        arena_signals.renders_requested.connect(tasks.renders_requested, dispatch_uid="renderer-render-again")
