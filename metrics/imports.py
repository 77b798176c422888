"""Importing metric values computed elsewhere (a benchmark run's CSV), asset-level or model-level."""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from arena.models import Asset, Generator, Prompt, Task
from metrics.models import AssetMetric, GeneratorMetric, ImportedMetric, MetricSource

log = logging.getLogger(__name__)


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
    from metrics.aggregate import METRICS

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
    from metrics.aggregate import METRICS

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
