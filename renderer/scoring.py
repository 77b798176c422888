"""Scoring assets: every automatic metric of an asset against its prompt's reference.

The metric functions (`renderer.metrics`) work on files; this module copies an
asset's mesh and clay renders out of storage into a temporary folder, calls
them, and stores one `AssetMetric` row per metric. It runs after each render
(`asset_metrics_after_render`, registered in `renderer.apps`), on a thread in
the single-machine setup or as the Celery task `compute_asset_metrics`, and
for backfills (`manage.py arena_metrics`).

Learned-embedding metrics run only for backends whose weights an operator put
under `METRICS_WEIGHTS_DIR/<backend>/` (e.g. `siglip/`, `dino/`); the Uni3D
point-cloud metrics only when `METRICS_UNI3D_DIR` names a Uni3D directory.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import close_old_connections, transaction
from django.utils import timezone

from arena.models import FINISHED_STATUSES, Asset, Status
from renderer.metrics.images import VIEW_NAMES
from renderer.models import AssetMetric, GeneratorMetric, ImportedMetric, MetricSource

log = logging.getLogger(__name__)

GEOMETRY_METRICS = ("chamfer", "chamfer_yaw_min", "fscore", "normal_consistency")
IMAGE_METRICS = ("silhouette_iou", "ssim")
# Backend name -> the metrics it gives (text-render only for text-and-image models).
EMBEDDING_METRICS = {
    "siglip": ("siglip_render_paired", "siglip_render_best", "siglip_text_render"),
    "dino": ("dino_render_paired", "dino_render_best"),
}
# Uni3D: shape-shape cosine, and text-shape cosine when a text tower is paired with it.
POINT_CLOUD_METRICS = ("uni3d_similarity", "uni3d_text")
BASE_METRICS = ("executability", *GEOMETRY_METRICS, *IMAGE_METRICS)

_executor: ThreadPoolExecutor | None = None
_backends: dict[tuple[str, str], Any] = {}
_backends_lock = threading.Lock()


class UnknownMetric(ValueError):
    """A metric name that this installation cannot compute."""


# ---------------------------------------------------------------------------
# What can be computed here
# ---------------------------------------------------------------------------


def weights_dir() -> Path | None:
    value = getattr(settings, "METRICS_WEIGHTS_DIR", "")
    return Path(value) if value else None


def embedding_backends_configured() -> dict[str, Path]:
    """Backends whose weights folder exists (with a config.json), by name."""
    root = weights_dir()
    if root is None:
        return {}
    found = {}
    for name in EMBEDDING_METRICS:
        folder = root / name
        if (folder / "config.json").is_file():
            found[name] = folder
    return found


def uni3d_dir() -> Path | None:
    """The Uni3D weights folder, if `METRICS_UNI3D_DIR` names one with a config.json."""
    value = getattr(settings, "METRICS_UNI3D_DIR", "")
    folder = Path(value) if value else None
    return folder if folder is not None and (folder / "config.json").is_file() else None


def metric_names_available() -> list[str]:
    """Every metric this installation computes, in catalogue order."""
    names = list(BASE_METRICS)
    for backend in embedding_backends_configured():
        names.extend(EMBEDDING_METRICS[backend])
    folder = uni3d_dir()
    if folder is not None:
        names.append("uni3d_similarity")
        if (folder / "text" / "config.json").is_file():
            names.append("uni3d_text")
    return names


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
    from renderer.metrics.geometry import MeshLoadError, compare_mesh_files

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
    from renderer.metrics.images import ViewsError, compare_view_dirs

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


def _backend(name: str, folder: Path) -> Any:
    from renderer.metrics.embeddings import create_backend

    key = (name, str(folder))
    with _backends_lock:  # loading a model is slow: once per process
        if key not in _backends:
            _backends[key] = create_backend(name, folder)
        return _backends[key]


def _embeddings(asset: Asset, views: list[str], work: Path, scores: Scores, wanted: set[str]) -> None:
    from renderer.metrics.embeddings import BackendError, load_views, render_similarity, text_render_similarity

    if not views:
        return
    asset_views = load_views(work / "asset-views", views)
    reference_views = load_views(work / "reference-views", views)
    for name, folder in embedding_backends_configured().items():
        names = EMBEDDING_METRICS[name]
        if not wanted & set(names):
            continue
        try:
            backend = _backend(name, folder)
            paired = render_similarity(backend, asset_views, reference_views)
            scores.put(f"{name}_render_paired", paired.view_paired, per_view=paired.per_view)
            scores.put(f"{name}_render_best", paired.best_assignment, assignment=paired.assignment)
            if f"{name}_text_render" in names and backend.supports_text and asset.prompt.text:
                text = text_render_similarity(backend, asset.prompt.text, asset_views)
                scores.put(f"{name}_text_render", text.mean, per_view=text.per_view)
        except BackendError as exc:
            log.warning("metrics: %s backend unavailable: %s", name, exc)


def _point_clouds(asset: Asset, reference: Asset, work: Path, scores: Scores, wanted: set[str]) -> None:
    from renderer.metrics.embeddings import BackendError
    from renderer.metrics.geometry import MeshLoadError, load_surface, sample_surface

    folder = uni3d_dir()
    names = [name for name in POINT_CLOUD_METRICS if name in wanted]
    if folder is None or not names:
        return
    if not asset.mesh or not reference.mesh:
        scores.fail(names, f"the {'asset' if not asset.mesh else 'reference'} has no mesh file")
        return
    try:
        backend = _backend("uni3d", folder)
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
        scores.put("executability", 1.0 if asset.status == Status.OK else 0.0, status=asset.status)
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
# After a render, and in the background
# ---------------------------------------------------------------------------


@shared_task(acks_late=True)
def compute_asset_metrics(asset_id: int) -> int:
    """Compute one asset's metrics (or, for a reference, its outputs')."""
    written = asset_metrics_compute(asset_id=asset_id)
    _report_request()
    return len(written)


def asset_metrics_after_render(asset_id: int) -> None:
    """Hook run when a render lands (already after the commit)."""
    if settings.CELERY_BROKER_URL:
        compute_asset_metrics.delay(asset_id)
        return
    _local_executor().submit(_compute_in_thread, asset_id)


def _local_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics")
    return _executor


def _compute_in_thread(asset_id: int) -> None:
    close_old_connections()
    try:
        asset_metrics_compute(asset_id=asset_id)
        _report_request()
    except Exception:
        log.exception("metrics of asset %s failed", asset_id)
    finally:
        close_old_connections()


def _report_request() -> None:
    from leaderboard.correlation_services import report_request

    report_request()


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


# ---------------------------------------------------------------------------
# Importing values computed elsewhere
# ---------------------------------------------------------------------------

ASSET_LAYOUT = ("model", "prompt", "metric", "value")
MODEL_LAYOUT = ("model", "metric", "value")
# Optional in either layout: "higher" or "lower" (is better), for a metric
# outside the built-in catalogue.
DIRECTION_COLUMN = "direction"
DIRECTIONS = {"higher": True, "lower": False}
METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass
class ImportReport:
    layout: str = ""
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    # Metric name -> higher is better, as stored after this import, for the
    # names outside the catalogue that it touched.
    directions: dict[str, bool] = field(default_factory=dict)
    # Of those, the names whose direction this file set or changed.
    declared: list[str] = field(default_factory=list)
    # Names outside the catalogue with no declared direction: taken as higher-is-better.
    assumed: list[str] = field(default_factory=list)


class RowError(ValueError):
    pass


def _layout(header: list[str]) -> str | None:
    if header.count(DIRECTION_COLUMN) > 1:
        return None
    columns = tuple(column for column in header if column != DIRECTION_COLUMN)
    if columns == ASSET_LAYOUT:
        return "asset"
    if columns in (MODEL_LAYOUT, (*MODEL_LAYOUT, "task")):
        return "model"
    return None


def _number(text: str, *, allow_empty: bool) -> float | None:
    text = text.strip()
    if text == "" or text.lower() in ("null", "none", "nan"):
        if allow_empty:
            return None
        raise RowError("empty value")
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"value {text!r} is not a number") from None
    if not math.isfinite(value):
        raise RowError(f"value {text!r} is not a finite number")
    return value


def _metric_name(text: str) -> str:
    name = text.strip()
    if not METRIC_NAME.match(name):
        raise RowError(f"metric {name!r} is not a valid name (lower-case letters, digits and _)")
    return name


def _direction(text: str, name: str, line: int, declared: dict[str, tuple[bool, int]]) -> bool | None:
    """The direction a row declares for its metric (None: not declared); checks it against the rest."""
    from renderer.metrics.aggregate import METRICS

    text = text.strip().lower()
    if not text:
        return None
    if text not in DIRECTIONS:
        raise RowError(f"direction {text!r} must be 'higher' or 'lower' (is better), or empty")
    higher = DIRECTIONS[text]
    if name in METRICS and METRICS[name].higher_is_better != higher:
        fixed = "higher" if METRICS[name].higher_is_better else "lower"
        raise RowError(f"metric {name!r} is {fixed}-is-better in the built-in catalogue, not {text}")
    if name in declared and declared[name][0] != higher:
        raise RowError(f"direction {text!r} contradicts the one given for {name!r} on line {declared[name][1]}")
    return higher


def metrics_import(*, path: Path, source_name: str | None = None) -> ImportReport:
    """Import metric values from a CSV file; good rows are kept, bad ones reported.

    Two layouts, told apart by the header: asset-level ``model,prompt,metric,value``
    (the asset of that model for the prompt with that slug; an empty value
    means undefined for the asset) and model-level ``model,metric,value[,task]``.
    Either may add a ``direction`` column (``higher`` or ``lower`` is better)
    for a metric outside the built-in catalogue; it is stored as an
    `ImportedMetric` and a name with none is taken as higher-is-better (the
    report lists such names). Each error names ``file:line`` and the reason;
    nothing is written for a file whose header matches neither layout.
    """
    from arena.models import Generator, Prompt, Task

    where = source_name or str(path)
    report = ImportReport()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.errors.append(f"{where}: cannot read ({exc.strerror or exc})")
        return report
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.errors.append(f"{where}:{line}: not UTF-8 text (byte {exc.start}): nothing of this file was imported")
        return report
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle)
        header = [col.strip().lower() for col in next(reader, [])]
        layout = _layout(header)
        if layout is None:
            report.errors.append(
                f"{where}:1: unknown column layout {','.join(header) or '(empty file)'}; expected "
                f"{','.join(ASSET_LAYOUT)} (asset level) or {','.join(MODEL_LAYOUT)}[,task] (model level)"
            )
            return report
        report.layout = layout
        generators = dict(Generator.objects.values_list("name", "id"))
        prompts = dict(Prompt.objects.values_list("slug", "id"))
        assets = {
            (gen_id, prompt_id): asset_id
            for asset_id, gen_id, prompt_id in Asset.objects.filter(is_reference=False).values_list(
                "id", "generator_id", "prompt_id"
            )
        }
        rows: dict[tuple[Any, ...], tuple[float | None, int]] = {}
        declared: dict[str, tuple[bool, int]] = {}
        for record in _records(reader, where, report):
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            try:
                if len(record) != len(header):
                    raise RowError(f"expected {len(header)} columns, found {len(record)}")
                cells = dict(zip(header, (cell.strip() for cell in record), strict=True))
                if cells["model"] not in generators:
                    raise RowError(f"unknown model {cells['model']!r}")
                gen_id = generators[cells["model"]]
                name = _metric_name(cells["metric"])
                if layout == "asset":
                    if cells["prompt"] not in prompts:
                        raise RowError(f"unknown prompt {cells['prompt']!r}")
                    if name == "executability":
                        raise RowError("executability comes from the render status and cannot be imported per asset")
                    asset_id = assets.get((gen_id, prompts[cells["prompt"]]))
                    if asset_id is None:
                        raise RowError(f"model {cells['model']!r} has no asset for prompt {cells['prompt']!r}")
                    key: tuple[Any, ...] = (asset_id, name)
                    value = _number(cells["value"], allow_empty=True)
                else:
                    task = cells.get("task", "")
                    if task and task not in Task.values:
                        raise RowError(f"unknown task {task!r} (known: {', '.join(Task.values)}, or empty for all)")
                    key = (gen_id, task, name)
                    value = _number(cells["value"], allow_empty=False)
                if key in rows:
                    raise RowError(f"the same value was given on line {rows[key][1]}")
                higher = _direction(cells.get(DIRECTION_COLUMN, ""), name, line, declared)
                rows[key] = (value, line)
                if higher is not None:
                    declared.setdefault(name, (higher, line))
            except RowError as exc:
                report.errors.append(f"{where}:{line}: {exc}")
    _write_imported(layout, rows, report)
    _write_directions({key[-1] for key in rows}, {name: higher for name, (higher, _) in declared.items()}, report)
    return report


def _write_directions(names: set[str], declared: dict[str, bool], report: ImportReport) -> None:
    """Store the declared directions of imported names outside the catalogue; list the undeclared."""
    from renderer.metrics.aggregate import METRICS

    outside = sorted(name for name in names if name not in METRICS)
    stored = dict(ImportedMetric.objects.filter(name__in=outside).values_list("name", "higher_is_better"))
    for name in outside:
        if name in declared and stored.get(name) != declared[name]:
            ImportedMetric.objects.update_or_create(
                name=name, defaults={"higher_is_better": declared[name], "declared_at": timezone.now()}
            )
            stored[name] = declared[name]
            report.declared.append(name)
        if name in stored:
            report.directions[name] = stored[name]
        else:
            report.assumed.append(name)


def _records(reader: Any, where: str, report: ImportReport) -> Any:
    """The reader's rows; a row the csv module cannot parse ends the file with an error."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.errors.append(f"{where}:{reader.line_num}: unreadable CSV ({exc}); the rest of the file was skipped")
            return


def _write_imported(layout: str, rows: dict[tuple[Any, ...], tuple[float | None, int]], report: ImportReport) -> None:
    now = timezone.now()
    with transaction.atomic():
        for key, (value, _) in rows.items():
            if layout == "asset":
                asset_id, name = key
                _, created = AssetMetric.objects.update_or_create(
                    asset_id=asset_id,
                    name=name,
                    defaults={"value": value, "detail": {}, "source": MetricSource.IMPORTED, "computed_at": now},
                )
            else:
                gen_id, task, name = key
                assert value is not None  # model-level values are never empty (checked per row)
                _, created = GeneratorMetric.objects.update_or_create(
                    generator_id=gen_id,
                    task=task,
                    name=name,
                    defaults={"value": value, "source": MetricSource.IMPORTED, "computed_at": now},
                )
            if created:
                report.created += 1
            else:
                report.updated += 1
