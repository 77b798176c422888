from django.db import migrations, models

import arena.models
from arena.migration_ops import content_types_move


class Migration(migrations.Migration):
    """CorrelationReport, moved from the renderer app: its table stays, only Django's state moves."""

    dependencies = [
        ("leaderboard", "0002_snapshot_family"),
        ("renderer", "0002_imported_metric"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CorrelationReport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "public_id",
                            models.CharField(
                                default=arena.models.new_public_id, editable=False, max_length=32, unique=True
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("computing", "Computing"), ("ready", "Ready"), ("failed", "Failed")],
                                default="computing",
                                max_length=16,
                            ),
                        ),
                        (
                            "fingerprint",
                            models.CharField(
                                blank=True, help_text="Hash of the inputs: snapshots and metrics.", max_length=64
                            ),
                        ),
                        ("report", models.JSONField(blank=True, default=dict)),
                        ("error", models.TextField(blank=True)),
                        ("compute_seconds", models.FloatField(default=0.0)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "renderer_correlationreport",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_types_move("renderer", "leaderboard", ("correlationreport",)),
    ]
