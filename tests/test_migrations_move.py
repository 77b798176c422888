"""Moving the metric models to the metrics app, and the correlation report to the leaderboard, loses nothing.

The database is first migrated to the schema the renderer app owned (as the
previous release left it) and filled through those historical models; then it
is migrated forward and read through the models where they live now.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from leaderboard.models import CorrelationReport
from metrics.models import AssetMetric, GeneratorMetric, ImportedMetric

BEFORE = [
    ("arena", "0002_release_settings"),
    ("leaderboard", "0002_snapshot_family"),
    ("renderer", "0002_imported_metric"),
    ("metrics", None),
]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets: list[tuple[str, str | None]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    nodes = [target for target in targets if target[1] is not None]
    return executor.loader.project_state([*nodes, ("contenttypes", "0002_remove_content_type_name")]).apps


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_the_moved_models_keep_their_rows_and_their_permissions():
    old = _migrate(BEFORE)
    prompt = old.get_model("arena", "Prompt").objects.create(slug="chair", text="a chair")
    generator = old.get_model("arena", "Generator").objects.create(name="Atlas")
    asset = old.get_model("arena", "Asset").objects.create(prompt=prompt, generator=generator)
    old.get_model("renderer", "AssetMetric").objects.create(asset=asset, name="chamfer", value=0.25, detail={"yaw": 90})
    old.get_model("renderer", "GeneratorMetric").objects.create(generator=generator, name="uni3d", value=0.7)
    old.get_model("renderer", "ImportedMetric").objects.create(name="uni3d", higher_is_better=True)
    old.get_model("renderer", "CorrelationReport").objects.create(public_id="r1", status="ready", report={"a": 1})
    content_types = old.get_model("contenttypes", "ContentType").objects
    moving = ["assetmetric", "correlationreport"]
    content_types.filter(app_label__in=["metrics", "leaderboard"], model__in=moving).delete()
    content_types.get_or_create(app_label="renderer", model="assetmetric")
    content_types.get_or_create(app_label="renderer", model="correlationreport")

    _migrate(_latest())

    metric = AssetMetric.objects.get()
    assert (metric.asset.prompt.slug, metric.name, metric.value) == ("chair", "chamfer", 0.25)
    assert metric.detail == {"yaw": 90}
    assert GeneratorMetric.objects.get().generator.name == "Atlas"
    assert ImportedMetric.objects.get().higher_is_better is True
    report = CorrelationReport.objects.get()
    assert (report.public_id, report.status, report.report) == ("r1", "ready", {"a": 1})
    moved = set(ContentType.objects.filter(model__in=moving).values_list("app_label", "model"))
    assert moved == {("metrics", "assetmetric"), ("leaderboard", "correlationreport")}
    tables = set(connection.introspection.table_names())
    assert {"renderer_assetmetric", "renderer_generatormetric", "renderer_importedmetric",
            "renderer_correlationreport"} <= tables  # fmt: skip


def test_the_move_can_be_undone_without_loss():
    _migrate(_latest())
    from arena.models import Asset, Generator, Prompt

    asset = Asset.objects.create(prompt=Prompt.objects.create(slug="lamp", text="a lamp"),
                                 generator=Generator.objects.create(name="Birch"))  # fmt: skip
    AssetMetric.objects.create(asset=asset, name="ssim", value=0.5)
    old = _migrate(BEFORE)
    assert old.get_model("renderer", "AssetMetric").objects.get(name="ssim").value == 0.5
    _migrate(_latest())
    assert AssetMetric.objects.get(name="ssim").value == 0.5


@pytest.mark.postgres
def test_the_move_keeps_rows_on_postgresql():
    test_the_moved_models_keep_their_rows_and_their_permissions()
    test_the_move_can_be_undone_without_loss()
