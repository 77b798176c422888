from __future__ import annotations

from django.apps import AppConfig


class RendererConfig(AppConfig):
    name = "renderer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from renderer import scoring, services

        services.AFTER_RENDER_HOOKS.append(scoring.asset_metrics_after_render)
