import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from arena.migration_ops import content_types_move


class Migration(migrations.Migration):
    """The metric models, moved from the renderer app: their tables stay, only Django's state moves."""

    initial = True

    dependencies = [
        ("arena", "0002_release_settings"),
        ("renderer", "0002_imported_metric"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportedMetric",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=64, unique=True)),
                        ("higher_is_better", models.BooleanField()),
                        ("declared_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "renderer_importedmetric",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="AssetMetric",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(db_index=True, max_length=64)),
                        ("value", models.FloatField(blank=True, null=True)),
                        (
                            "detail",
                            models.JSONField(
                                blank=True, default=dict, help_text="Per-view values, best yaw, reason when undefined."
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[("computed", "Computed here"), ("imported", "Imported")],
                                default="computed",
                                max_length=16,
                            ),
                        ),
                        ("computed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "asset",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="metrics", to="arena.asset"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "renderer_assetmetric",
                        "ordering": ["asset_id", "name"],
                        "constraints": [
                            models.UniqueConstraint(fields=("asset", "name"), name="one_value_per_asset_metric")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="GeneratorMetric",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("task", models.CharField(blank=True, max_length=16)),
                        ("name", models.CharField(db_index=True, max_length=64)),
                        ("value", models.FloatField()),
                        (
                            "source",
                            models.CharField(
                                choices=[("computed", "Computed here"), ("imported", "Imported")],
                                default="imported",
                                max_length=16,
                            ),
                        ),
                        ("computed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "generator",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="metrics",
                                to="arena.generator",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "renderer_generatormetric",
                        "ordering": ["generator__name", "task", "name"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("generator", "task", "name"), name="one_value_per_generator_metric"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        content_types_move("renderer", "metrics", ("assetmetric", "generatormetric", "importedmetric")),
    ]
