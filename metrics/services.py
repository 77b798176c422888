"""Scoring assets: every automatic metric of an asset against its prompt's reference.

The metric functions (`metrics.geometry`, `metrics.images`, `metrics.embeddings`,
`metrics.uni3d`) work on files; this module copies an asset's mesh and clay
renders out of storage into a temporary folder, calls them, and stores one
`AssetMetric` row per metric. It runs after each render (`metrics.tasks`, on a
thread in the single-machine setup or on Celery) and for backfills
(`manage.py arena_metrics`).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from arena.models import FINISHED_STATUSES, Asset, Status
from metrics.backends import (
    BASE_METRICS,
    EMBEDDING_METRICS,
    GEOMETRY_METRICS,
    IMAGE_METRICS,
    POINT_CLOUD_METRICS,
    UnknownMetric,
    backend_load,
    embedding_backends_configured,
    metric_names_available,
    uni3d_dir,
)
from metrics.images import VIEW_NAMES
from metrics.models import AssetMetric, MetricSource
from renderer.selectors import is_executable

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Storage to files
# ---------------------------------------------------------------------------


def _copy_out(name: str, target: Path) -> Path:
    with default_storage.open(name, "rb") as src, target.open("wb") as dst:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            dst.write(chunk)
    return target


def _views_by_name(asset: Asset) -> dict[str, str]:
    return {Path(name).name: name for name in asset.views or []}


def _common_views(asset: Asset, reference: Asset) -> list[str]:
    mine, theirs = _views_by_name(asset), _views_by_name(reference)
    ordered = [v for v in VIEW_NAMES if v in mine and v in theirs]
    extra = sorted(set(mine) & set(theirs) - set(ordered))
    return ordered + extra


def _copy_views(asset: Asset, names: list[str], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stored = _views_by_name(asset)
    for name in names:
        _copy_out(stored[name], folder / name)
    return folder


# ---------------------------------------------------------------------------
# Computing one asset's metrics
# ---------------------------------------------------------------------------


@dataclass
class Scores:
    """Metric values of one asset: name -> (value or None, detail)."""

    values: dict[str, tuple[float | None, dict[str, Any]]] = field(default_factory=dict)

    def put(self, name: str, value: float | None, **detail: Any) -> None:
        self.values[name] = (None if value is None else float(value), detail)

    def fail(self, names: Iterable[str], reason: str) -> None:
        for name in names:
            self.put(name, None, reason=reason)


def reference_of(asset: Asset) -> Asset | None:
    """The prompt's rendered reference asset, if it rendered fine."""
    return Asset.objects.filter(prompt_id=asset.prompt_id, is_reference=True, status=Status.OK).first()


def _geometry(asset: Asset, reference: Asset, work: Path, scores: Scores) -> None:
    from metrics.geometry import MeshLoadError, compare_mesh_files

    if not asset.mesh or not reference.mesh:
        missing = "asset" if not asset.mesh else "reference"
        scores.fail(GEOMETRY_METRICS, f"the {missing} has no mesh file")
        return
    try:
        mine = _copy_out(str(asset.mesh.name), work / "asset.glb")
        ref = _copy_out(str(reference.mesh.name), work / "reference.glb")
        result = compare_mesh_files(mine, ref)
    except (MeshLoadError, OSError) as exc:
        scores.fail(GEOMETRY_METRICS, str(exc).replace(str(work) + "/", ""))
        return
    detail = {
        "best_yaw_deg": result.best_yaw_deg,
        "precision": result.precision,
        "recall": result.recall,
        "points": result.points,
        "yaw_axis": result.yaw_axis,
        "fscore_threshold": result.fscore_threshold,
    }
    reason = result.reason.replace(str(work) + "/", "") if result.reason else None
    for name in GEOMETRY_METRICS:
        scores.put(name, getattr(result, name), reason=reason, **detail)


def _images(asset: Asset, reference: Asset, views: list[str], work: Path, scores: Scores) -> None:
    from metrics.images import ViewsError, compare_view_dirs

    if not views:
        scores.fail(IMAGE_METRICS, "no view rendered from the same camera as the reference's")
        return
    try:
        result = compare_view_dirs(work / "asset-views", work / "reference-views", views=views)
    except (ViewsError, OSError) as exc:
        scores.fail(IMAGE_METRICS, str(exc).replace(str(work) + "/", ""))
        return
    per_view = result.as_dict()["views"]
    scores.put("silhouette_iou", result.silhouette_iou, views={k: v["silhouette_iou"] for k, v in per_view.items()})
    scores.put("ssim", result.ssim, views={k: v["ssim"] for k, v in per_view.items()})


def _embeddings(asset: Asset, views: list[str], work: Path, scores: Scores, wanted: set[str]) -> None:
    from metrics.embeddings import BackendError, load_views, render_similarity, text_render_similarity

    if not views:
        return
    asset_views = load_views(work / "asset-views", views)
    reference_views = load_views(work / "reference-views", views)
    for name, folder in embedding_backends_configured().items():
        names = EMBEDDING_METRICS[name]
        if not wanted & set(names):
            continue
        try:
            backend = backend_load(name, folder)
            paired = render_similarity(backend, asset_views, reference_views)
            scores.put(f"{name}_render_paired", paired.view_paired, per_view=paired.per_view)
            scores.put(f"{name}_render_best", paired.best_assignment, assignment=paired.assignment)
            if f"{name}_text_render" in names and backend.supports_text and asset.prompt.text:
                text = text_render_similarity(backend, asset.prompt.text, asset_views)
                scores.put(f"{name}_text_render", text.mean, per_view=text.per_view)
        except BackendError as exc:
            log.warning("metrics: %s backend unavailable: %s", name, exc)


def _point_clouds(asset: Asset, reference: Asset, work: Path, scores: Scores, wanted: set[str]) -> None:
    from metrics.embeddings import BackendError
    from metrics.geometry import MeshLoadError, load_surface, sample_surface

    folder = uni3d_dir()
    names = [name for name in POINT_CLOUD_METRICS if name in wanted]
    if folder is None or not names:
        return
    if not asset.mesh or not reference.mesh:
        scores.fail(names, f"the {'asset' if not asset.mesh else 'reference'} has no mesh file")
        return
    try:
        backend = backend_load("uni3d", folder)
    except BackendError as exc:
        log.warning("metrics: uni3d backend unavailable: %s", exc)
        return
    count = backend.config.npoints
    try:
        clouds = [
            sample_surface(load_surface(_mesh_file(owner, work / filename)), count).points
            for owner, filename in ((asset, "asset.glb"), (reference, "reference.glb"))
        ]
    except (MeshLoadError, OSError) as exc:
        scores.fail(names, str(exc).replace(str(work) + "/", ""))
        return
    try:
        shape, reference_shape = backend.embed_point_clouds(clouds)  # unit rows: dot = cosine
        scores.put("uni3d_similarity", float(shape @ reference_shape), points=count)
        if "uni3d_text" in names and backend.text is not None and asset.prompt.text:
            (text,) = backend.embed_texts([asset.prompt.text])
            scores.put("uni3d_text", float(shape @ text), points=count)
    except BackendError as exc:
        scores.fail(names, str(exc))


def _mesh_file(asset: Asset, target: Path) -> Path:
    """The asset's mesh copied out of storage (once per scoring run)."""
    return target if target.is_file() else _copy_out(str(asset.mesh.name), target)


def asset_scores(*, asset: Asset, metrics: set[str] | None = None) -> Scores:
    """Compute (without storing) the asset's metrics against its reference.

    Only executability is computed for a failed asset; the others are
    failures by definition and the aggregation counts them as such. Without
    a rendered reference, only executability is known.
    """
    wanted = set(metric_names_available()) if metrics is None else set(metrics)
    scores = Scores()
    if "executability" in wanted:
        scores.put("executability", 1.0 if is_executable(asset.status) else 0.0, status=asset.status)
    if asset.status != Status.OK:
        return scores
    reference = reference_of(asset)
    if reference is None:
        return scores
    with tempfile.TemporaryDirectory(prefix="arena-metrics-") as tmp:
        work = Path(tmp)
        if wanted & set(GEOMETRY_METRICS):
            _geometry(asset, reference, work, scores)
        if wanted & set(POINT_CLOUD_METRICS):
            _point_clouds(asset, reference, work, scores, wanted)
        image_side = wanted - set(BASE_METRICS) - set(POINT_CLOUD_METRICS)
        if wanted & set(IMAGE_METRICS) or image_side:
            views = _common_views(asset, reference)
            try:
                _copy_views(asset, views, work / "asset-views")
                _copy_views(reference, views, work / "reference-views")
            except OSError as exc:
                scores.fail(wanted & set(IMAGE_METRICS), f"views unreadable: {exc}")
                return _only(scores, wanted)
            if wanted & set(IMAGE_METRICS):
                _images(asset, reference, views, work, scores)
            if image_side:
                _embeddings(asset, views, work, scores, image_side)
    return _only(scores, wanted)


def _only(scores: Scores, wanted: set[str]) -> Scores:
    scores.values = {k: v for k, v in scores.values.items() if k in wanted}
    return scores


def scores_store(*, asset: Asset, scores: Scores, reference: Asset | None = None) -> list[AssetMetric]:
    """Write computed values; a value imported for the same asset and metric is kept."""
    now = timezone.now()
    stored = []
    with transaction.atomic():
        imported = set(
            AssetMetric.objects.filter(asset=asset, source=MetricSource.IMPORTED).values_list("name", flat=True)
        )
        for name, (value, detail) in scores.values.items():
            if name in imported:
                continue
            if reference is not None and name != "executability":
                detail = {**detail, "reference": reference.public_id}
            row, _ = AssetMetric.objects.update_or_create(
                asset=asset,
                name=name,
                defaults={"value": value, "detail": detail, "source": MetricSource.COMPUTED, "computed_at": now},
            )
            stored.append(row)
    return stored


def asset_metrics_compute(*, asset_id: int, metrics: set[str] | None = None) -> list[AssetMetric]:
    """Compute and store an asset's metrics; for a reference, those of its prompt's outputs.

    Returns the rows written (empty for an asset still pending or running).
    """
    asset = Asset.objects.select_related("prompt").filter(id=asset_id).first()
    if asset is None or asset.status not in FINISHED_STATUSES:
        return []
    if asset.is_reference:
        written: list[AssetMetric] = []
        outputs = Asset.objects.filter(prompt_id=asset.prompt_id, is_reference=False, status__in=FINISHED_STATUSES)
        for output_id in outputs.values_list("id", flat=True):
            written.extend(asset_metrics_compute(asset_id=output_id, metrics=metrics))
        return written
    scores = asset_scores(asset=asset, metrics=metrics)
    return scores_store(asset=asset, scores=scores, reference=reference_of(asset))


# ---------------------------------------------------------------------------
# Backfill
# ---------------------------------------------------------------------------


@dataclass
class BackfillReport:
    assets: int = 0
    computed: int = 0
    values: int = 0
    errors: list[str] = field(default_factory=list)


def assets_needing_metrics(*, metrics: set[str], force: bool = False) -> list[int]:
    """Finished outputs that lack one of the metrics they can have (all of them with force)."""
    outputs = Asset.objects.filter(is_reference=False, status__in=FINISHED_STATUSES).order_by("prompt_id", "id")
    if force:
        return list(outputs.values_list("id", flat=True))
    with_reference = set(Asset.objects.filter(is_reference=True, status=Status.OK).values_list("prompt_id", flat=True))
    have: dict[int, set[str]] = {}
    for asset_id, name in AssetMetric.objects.filter(name__in=metrics).values_list("asset_id", "name"):
        have.setdefault(asset_id, set()).add(name)
    needing = []
    for asset_id, status, prompt_id in outputs.values_list("id", "status", "prompt_id"):
        if status == Status.OK and prompt_id in with_reference:
            expected = metrics
        else:
            expected = metrics & {"executability"}
        if expected - have.get(asset_id, set()):
            needing.append(asset_id)
    return needing


def metrics_backfill(
    *,
    metric: str | None = None,
    force: bool = False,
    on_total: Callable[[int], None] | None = None,
    on_asset: Callable[[int], None] | None = None,
) -> BackfillReport:
    """Compute missing metrics of every finished output (every metric again with force)."""
    available = metric_names_available()
    if metric is not None and metric not in available:
        raise UnknownMetric(f"unknown or unavailable metric {metric!r} (available here: {', '.join(available)})")
    wanted = {metric} if metric else set(available)
    report = BackfillReport()
    ids = assets_needing_metrics(metrics=wanted, force=force)
    report.assets = len(ids)
    if on_total is not None:
        on_total(len(ids))
    for asset_id in ids:
        try:
            rows = asset_metrics_compute(asset_id=asset_id, metrics=wanted)
            report.computed += 1
            report.values += len(rows)
        except Exception as exc:  # one broken asset must not stop a backfill
            log.exception("metrics of asset %s failed", asset_id)
            report.errors.append(f"asset {asset_id}: {exc}")
        if on_asset is not None:
            on_asset(asset_id)
    return report
