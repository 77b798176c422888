"""Scoring assets against their prompt's reference, on real GLBs and PNG views in storage."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import trimesh
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image, ImageDraw

from arena import background
from arena.models import Asset, Generator, Prompt, Status
from arena.signals import emit
from metrics import backends, services, tasks
from metrics.images import VIEW_NAMES
from metrics.models import AssetMetric, MetricSource
from renderer.signals import asset_rendered
from tests.metrics.shapes import edge_only_geometry
from tests.metrics.test_embeddings import tiny_dino, transformers_module  # noqa: F401 (fixtures used by name)

pytestmark = pytest.mark.django_db


def _glb(*geometries: trimesh.parent.Geometry) -> bytes:
    return trimesh.Scene(list(geometries)).export(file_type="glb")


def _view(shape: str) -> bytes:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if shape == "box":
        draw.rectangle((16, 16, 48, 48), fill=(184, 184, 188, 255))
    else:
        draw.ellipse((12, 12, 52, 52), fill=(184, 184, 188, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _store(asset: Asset, mesh: bytes | None, shape: str | None) -> Asset:
    prefix = f"assets/{asset.public_id}"
    if mesh is not None:
        asset.mesh.name = default_storage.save(f"{prefix}/mesh.glb", ContentFile(mesh))
    if shape is not None:
        asset.views = [default_storage.save(f"{prefix}/{name}", ContentFile(_view(shape))) for name in VIEW_NAMES]
    asset.save()
    return asset


def _prompt(slug: str = "box") -> Prompt:
    return Prompt.objects.create(slug=slug, text="A box")


def _reference(prompt: Prompt, status: str = Status.OK) -> Asset:
    ref = Asset.objects.create(prompt=prompt, is_reference=True, status=status)
    return _store(ref, _glb(trimesh.creation.box()), "box")


def _output(prompt: Prompt, name: str, mesh: bytes | None, shape: str | None, status: str = Status.OK) -> Asset:
    gen, _ = Generator.objects.get_or_create(name=name)
    asset = Asset.objects.create(prompt=prompt, generator=gen, status=status)
    return _store(asset, mesh, shape)


def _values(asset: Asset) -> dict[str, float | None]:
    return dict(AssetMetric.objects.filter(asset=asset).values_list("name", "value"))


@pytest.fixture(autouse=True)
def _media(media_root: Path) -> Path:
    return media_root


def test_it_scores_a_box_against_a_box_reference_as_identical():
    prompt = _prompt()
    _reference(prompt)
    asset = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")
    services.asset_metrics_compute(asset_id=asset.id)
    values = _values(asset)
    assert values["executability"] == 1.0
    assert values["chamfer"] == pytest.approx(0.0, abs=1e-12)
    assert values["chamfer_yaw_min"] == pytest.approx(0.0, abs=1e-12)
    assert values["fscore"] == pytest.approx(1.0)
    assert values["normal_consistency"] == pytest.approx(1.0)
    assert values["silhouette_iou"] == pytest.approx(1.0)
    assert values["ssim"] == pytest.approx(1.0)
    detail = AssetMetric.objects.get(asset=asset, name="ssim").detail
    assert set(detail["views"]) == set(VIEW_NAMES)
    assert "siglip_render_paired" not in values  # no weights configured: absent, not zero


def test_it_scores_a_sphere_worse_than_a_box():
    prompt = _prompt()
    _reference(prompt)
    box = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")
    sphere = _output(prompt, "Birch", _glb(trimesh.creation.icosphere(subdivisions=3)), "sphere")
    for asset in (box, sphere):
        services.asset_metrics_compute(asset_id=asset.id)
    assert _values(sphere)["chamfer"] > 0.001
    assert _values(sphere)["chamfer_yaw_min"] > _values(box)["chamfer_yaw_min"]
    assert _values(sphere)["silhouette_iou"] < 1.0
    assert _values(sphere)["ssim"] < _values(box)["ssim"]


def test_it_records_only_executability_for_a_failed_script():
    prompt = _prompt()
    _reference(prompt)
    asset = _output(prompt, "Atlas", None, None, status=Status.ERR_EXEC)
    services.asset_metrics_compute(asset_id=asset.id)
    assert _values(asset) == {"executability": 0.0}


def test_it_marks_edge_only_geometry_undefined_with_the_reason():
    prompt = _prompt()
    _reference(prompt)
    asset = _output(prompt, "Atlas", _glb(*edge_only_geometry()), "box")
    services.asset_metrics_compute(asset_id=asset.id)
    row = AssetMetric.objects.get(asset=asset, name="chamfer")
    assert row.value is None
    assert "no triangles" in row.detail["reason"]
    assert _values(asset)["silhouette_iou"] == pytest.approx(1.0)


def test_it_scores_outputs_when_their_reference_renders_after_them():
    prompt = _prompt()
    reference = _reference(prompt, status=Status.PENDING)
    asset = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")
    services.asset_metrics_compute(asset_id=asset.id)
    assert set(_values(asset)) == {"executability"}  # nothing to compare with yet
    Asset.objects.filter(id=reference.id).update(status=Status.OK)
    services.asset_metrics_compute(asset_id=reference.id)
    assert _values(asset)["chamfer"] == pytest.approx(0.0, abs=1e-12)
    assert AssetMetric.objects.get(asset=asset, name="chamfer").detail["reference"] == reference.public_id


def test_it_keeps_an_imported_value_over_a_computed_one():
    prompt = _prompt()
    _reference(prompt)
    asset = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")
    AssetMetric.objects.create(asset=asset, name="chamfer", value=0.5, source=MetricSource.IMPORTED)
    services.asset_metrics_compute(asset_id=asset.id)
    assert _values(asset)["chamfer"] == 0.5


def test_it_runs_after_a_render_on_a_thread_or_on_celery(settings, monkeypatch, django_capture_on_commit_callbacks):
    prompt = _prompt()
    _reference(prompt)
    asset = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")

    class Inline:
        def submit(self, fn, *args):
            fn(*args)

    monkeypatch.setattr(background, "_pool", lambda name, workers: Inline())
    monkeypatch.setattr(background, "close_old_connections", lambda: None)  # the test's own transaction
    settings.CELERY_BROKER_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        emit(asset_rendered, asset_id=asset.id)
    assert _values(asset)["chamfer"] == pytest.approx(0.0, abs=1e-12)

    queued = []
    monkeypatch.setattr(tasks.compute_asset_metrics, "apply_async", lambda **options: queued.append(options["args"]))
    settings.CELERY_BROKER_URL = "redis://broker.invalid/0"
    with django_capture_on_commit_callbacks(execute=True):
        emit(asset_rendered, asset_id=asset.id)
    assert queued == [(asset.id,)]


def test_it_backfills_missing_metrics_with_the_command(capsys):
    prompt = _prompt()
    _reference(prompt)
    first = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")
    second = _output(prompt, "Birch", None, None, status=Status.ERR_NO_MESH)
    call_command("arena_metrics", "--metric", "ssim", verbosity=0)
    assert _values(first) == {"ssim": pytest.approx(1.0)}
    assert _values(second) == {}
    call_command("arena_metrics")
    assert set(_values(first)) == set(backends.BASE_METRICS)
    assert _values(second) == {"executability": 0.0}
    out = capsys.readouterr().out
    assert "Scored 2 of 2 asset(s)" in out
    call_command("arena_metrics")
    assert "Scored 0 of 0 asset(s)" in capsys.readouterr().out
    AssetMetric.objects.filter(asset=first, name="ssim").update(value=0.25)
    call_command("arena_metrics", "--force", "--metric", "ssim")
    assert _values(first)["ssim"] == pytest.approx(1.0)


def test_it_refuses_an_unknown_metric():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown or unavailable metric 'siglip_render_paired'"):
        call_command("arena_metrics", "--metric", "siglip_render_paired")


def test_it_finds_learned_backends_only_where_weights_are(settings, tmp_path):
    settings.METRICS_WEIGHTS_DIR = str(tmp_path / "weights")
    assert backends.embedding_backends_configured() == {}
    (tmp_path / "weights" / "dino").mkdir(parents=True)
    (tmp_path / "weights" / "dino" / "config.json").write_text("{}")
    assert list(backends.embedding_backends_configured()) == ["dino"]
    assert "dino_render_paired" in backends.metric_names_available()
    assert "siglip_render_paired" not in backends.metric_names_available()


def test_it_adds_learned_metrics_when_weights_are_configured(settings, tmp_path, request):
    dino_dir = request.getfixturevalue("tiny_dino")  # skipped without transformers
    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "dino").symlink_to(dino_dir, target_is_directory=True)
    settings.METRICS_WEIGHTS_DIR = str(weights)
    prompt = _prompt()
    _reference(prompt)
    asset = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")
    services.asset_metrics_compute(asset_id=asset.id)
    values = _values(asset)
    assert values["dino_render_paired"] == pytest.approx(1.0, abs=1e-5)  # same views as the reference
    assert values["dino_render_best"] >= values["dino_render_paired"] - 1e-9
    assert "siglip_render_paired" not in values
    backends._backends.clear()
