from django.db import migrations


class Migration(migrations.Migration):
    """The metric models went to the metrics app and CorrelationReport to the leaderboard: state only."""

    dependencies = [
        ("renderer", "0002_imported_metric"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="assetmetric",
                    name="asset",
                ),
                migrations.DeleteModel(
                    name="CorrelationReport",
                ),
                migrations.RemoveField(
                    model_name="generatormetric",
                    name="generator",
                ),
                migrations.DeleteModel(
                    name="ImportedMetric",
                ),
                migrations.DeleteModel(
                    name="AssetMetric",
                ),
                migrations.DeleteModel(
                    name="GeneratorMetric",
                ),
            ],
            database_operations=[],
        ),
    ]
