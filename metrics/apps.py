from __future__ import annotations

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from metrics import tasks
        from renderer import signals as renderer_signals

        renderer_signals.asset_rendered.connect(tasks.asset_rendered, dispatch_uid="metrics-after-render")
