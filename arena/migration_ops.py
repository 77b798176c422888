"""Operations shared by migrations that move models between apps."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def content_types_move(app_from: str, app_to: str, models: tuple[str, ...]) -> migrations.RunPython:
    """Move the models' content types (and so their admin permissions) to their new app; reversible."""

    def relabel(apps: Any, source: str, target: str) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not content_type.objects.filter(app_label=target, model=model).exists():
                content_type.objects.filter(app_label=source, model=model).update(app_label=target)

    return migrations.RunPython(
        lambda apps, schema_editor: relabel(apps, app_from, app_to),
        lambda apps, schema_editor: relabel(apps, app_to, app_from),
    )
