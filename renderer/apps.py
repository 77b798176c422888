from __future__ import annotations

from django.apps import AppConfig


class RendererConfig(AppConfig):
    name = "renderer"
    default_auto_field = "django.db.models.BigAutoField"
