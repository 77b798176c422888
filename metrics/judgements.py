"""Importing an automatic judge's pairwise verdicts: CSV, JSON lines, or the benchmark's LLM-judge output.

All or nothing: every row is checked first, and one bad row stores nothing;
each bad row is reported as ``FILE:LINE: field 'name': reason``. Importing the
same file again changes nothing (a verdict is identified by its judge, prompt,
the two models and which one the judge saw first). The formats and the
benchmark's mapping are in docs/import-format.md.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from arena.importers import benchmark_slug, image_slug
from arena.models import Asset, Generator, Prompt, Setting, Task
from metrics.models import Judge, Judgement

COLUMNS = (
    "prompt",
    "model_a",
    "model_b",
    "judge",
    "winner",
    "probability_a",
    "order",
    "setting_a",
    "setting_b",
    "kind",
)
REQUIRED = ("prompt", "model_a", "model_b", "winner")
WINNERS = {"a": "a", "b": "b", "tie": "tie", "both_bad": "both_bad", "both bad": "both_bad"}
# Which output the judge saw first: A (the default) or B.
ORDERS = {"": True, "a": True, "ab": True, "b": False, "ba": False}
FORMATS = ("auto", "csv", "jsonl", "benchmark")
NAME_LIMIT = 200

# The benchmark's LLM judge: one object per judged pair (docs/import-format.md).
BENCHMARK_PREFERENCE = {
    "1": "a",
    "2": "b",
    "tie": "tie",
    "both_bad": "both_bad",
    "both bad": "both_bad",
    "bothbad": "both_bad",
    "neither": "both_bad",
}
# Our field -> the benchmark's, for error messages.
BENCHMARK_FIELDS = {"prompt": "instance", "model_a": "model_1", "model_b": "model_2", "setting_a": "model_1",
                    "setting_b": "model_2", "winner": "preference", "probability_a": "probability_1"}  # fmt: skip
BENCHMARK_TASKS = {"text-to-3d": Task.TEXT, "text": Task.TEXT, "image-to-3d": Task.IMAGE, "image": Task.IMAGE}

STORED_FIELDS = ("generator_a", "generator_b", "setting_a", "setting_b", "asset_a", "asset_b", "a_first", "winner",
                 "probability_a", "imported_at")  # fmt: skip

Progress = Callable[[int], None]


@dataclass
class JudgementReport:
    format: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    judges: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class FieldError(ValueError):
    def __init__(self, name: str, reason: str):
        super().__init__(f"field {name!r}: {reason}" if name else reason)
        self.name, self.reason = name, reason


@dataclass
class _Row:
    line: int
    judge: str
    kind: str
    prompt: int
    generator_a: int
    generator_b: int
    setting_a: int | None
    setting_b: int | None
    a_first: bool
    winner: str
    probability_a: float | None

    def presentation(self) -> tuple[str, int, int, int]:
        """Judge, prompt, the model shown first, the model shown second."""
        first, second = (self.generator_a, self.generator_b) if self.a_first else (self.generator_b, self.generator_a)
        return self.judge, self.prompt, first, second


# ---------------------------------------------------------------------------
# Reading records
# ---------------------------------------------------------------------------


def _csv_records(text: str) -> Iterator[tuple[int, dict[str, Any] | FieldError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip().lower() for column in next(reader, [])]
    unknown = [column for column in header if column not in COLUMNS]
    missing = [column for column in REQUIRED if column not in header]
    if unknown or missing or len(set(header)) != len(header):
        what = [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        what += [f"missing column(s) {', '.join(missing)}"] if missing else []
        what += ["a column appears twice"] if len(set(header)) != len(header) else []
        yield 1, FieldError("", f"{'; '.join(what)} (columns: {', '.join(COLUMNS)}; required: {', '.join(REQUIRED)})")
        return
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, FieldError("", f"unreadable CSV ({exc})")
            return
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            yield reader.line_num, FieldError("", f"expected {len(header)} columns, found {len(record)}")
            continue
        yield reader.line_num, dict(zip(header, record, strict=True))


def _json_lines_records(text: str) -> Iterator[tuple[int, dict[str, Any] | FieldError]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, FieldError("", f"not JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield number, FieldError("", f"expected a JSON object, found {type(record).__name__}")
            continue
        yield number, record


def _json_array_records(text: str) -> Iterator[tuple[int, dict[str, Any] | FieldError]]:
    """The objects of a JSON list, each with the line it starts on."""
    decoder = json.JSONDecoder()
    counted, line = 0, 1

    def line_at(p: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, p)
        counted = p
        return line

    def skip(p: int) -> int:
        while p < len(text) and text[p].isspace():
            p += 1
        return p

    pos = skip(text.index("[") + 1)
    while pos < len(text) and text[pos] != "]":
        try:
            record, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield line_at(exc.pos), FieldError("", f"not JSON ({exc.msg})")
            return
        where = line_at(pos)
        if isinstance(record, dict):
            yield where, record
        else:
            yield where, FieldError("", f"expected a JSON object, found {type(record).__name__}")
        pos = skip(end)
        if pos < len(text) and text[pos] == ",":
            pos = skip(pos + 1)
        elif pos >= len(text) or text[pos] != "]":
            yield line_at(pos), FieldError("", "expected ',' or ']' after an object")
            return


def _records(text: str, fmt: str) -> Iterator[tuple[int, dict[str, Any] | FieldError]]:
    if fmt == "csv":
        return _csv_records(text)
    if text.lstrip().startswith("["):
        return _json_array_records(text)
    return _json_lines_records(text)


def _format(path: Path, text: str, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    if path.suffix.lower() in (".json", ".jsonl", ".ndjson") or text.lstrip()[:1] in ("{", "["):
        return "jsonl"
    return "csv"


# ---------------------------------------------------------------------------
# Checking one record
# ---------------------------------------------------------------------------


def _text(record: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(name, "missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldError(name, f"expected text, found {type(value).__name__}")
    text = str(value).strip()
    if len(text) > NAME_LIMIT:
        raise FieldError(name, f"longer than {NAME_LIMIT} characters")
    return text


class _Catalogue:
    """Names to ids, loaded once per import."""

    def __init__(self) -> None:
        self.generators = dict(Generator.objects.values_list("name", "id"))
        self.settings = {
            name: (setting_id, gen_id, task)
            for setting_id, name, gen_id, task in Setting.objects.values_list("id", "name", "generator_id", "task")
        }
        self.prompts = {
            slug: (prompt_id, task) for prompt_id, slug, task in Prompt.objects.values_list("id", "slug", "task")
        }
        self.instances = {
            (instance, task): prompt_id
            for prompt_id, instance, task in Prompt.objects.exclude(instance="").values_list("id", "instance", "task")
        }
        self.assets_by_setting: dict[tuple[int, int], int] = {}
        self.assets_by_model: dict[tuple[int, int], list[int]] = {}
        outputs = Asset.objects.filter(is_reference=False)
        for asset_id, gen_id, setting_id, prompt_id in outputs.values_list(
            "id", "generator_id", "setting_id", "prompt_id"
        ):
            if setting_id is not None:
                self.assets_by_setting[(setting_id, prompt_id)] = asset_id
            self.assets_by_model.setdefault((gen_id, prompt_id), []).append(asset_id)

    def model(self, name: str, field_name: str) -> tuple[int, int | None, str | None]:
        """A model name, or a setting (run folder) name: (generator, setting or None, the setting's task)."""
        if name in self.generators:
            return self.generators[name], None, None
        if name in self.settings:
            setting_id, gen_id, task = self.settings[name]
            return gen_id, setting_id, task
        raise FieldError(field_name, f"unknown model {name!r} (neither a model nor a setting name)")

    def setting(self, name: str, field_name: str, generator: int) -> tuple[int, str]:
        if name not in self.settings:
            raise FieldError(field_name, f"unknown setting {name!r}")
        setting_id, gen_id, task = self.settings[name]
        if gen_id != generator:
            raise FieldError(field_name, f"setting {name!r} is not a setting of this model")
        return setting_id, task

    def asset(self, generator: int, setting: int | None, prompt: int) -> int | None:
        if setting is not None:
            return self.assets_by_setting.get((setting, prompt))
        found = self.assets_by_model.get((generator, prompt), [])
        return found[0] if len(found) == 1 else None


def _probability(value: Any, name: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "null", "none", "nan")):
        return None
    if isinstance(value, bool):
        raise FieldError(name, "expected a number in [0, 1]")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FieldError(name, f"{value!r} is not a number") from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise FieldError(name, f"{value!r} is not a probability in [0, 1]")
    return number


def _side(
    catalogue: _Catalogue, record: dict[str, Any], model_field: str, setting_field: str, prompt_task: str
) -> tuple[int, int | None]:
    generator, setting, setting_task = catalogue.model(_text(record, model_field), model_field)
    setting_name = _text(record, setting_field, required=False)
    if setting_name:
        checked, setting_task = catalogue.setting(setting_name, setting_field, generator)
        if setting is not None and checked != setting:
            raise FieldError(setting_field, f"{setting_name!r} contradicts the setting named in {model_field!r}")
        setting = checked
    if setting is not None and setting_task != prompt_task:
        raise FieldError(setting_field if setting_name else model_field,
                         f"the setting is a {setting_task} run, the prompt a {prompt_task} prompt")  # fmt: skip
    return generator, setting


def _row(
    catalogue: _Catalogue,
    record: dict[str, Any],
    line: int,
    *,
    judge: str | None,
    kind: str,
    task: str,
    benchmark: bool,
) -> _Row:
    if benchmark:
        try:
            return _row(catalogue, _from_benchmark(record, catalogue, task), line,
                        judge=judge, kind=kind, task=task, benchmark=False)  # fmt: skip
        except FieldError as exc:  # name the benchmark's own field
            raise FieldError(BENCHMARK_FIELDS.get(exc.name, exc.name), exc.reason) from None
    slug = _text(record, "prompt")
    if slug not in catalogue.prompts:
        raise FieldError("prompt", f"unknown prompt {slug!r}")
    prompt, prompt_task = catalogue.prompts[slug]
    generator_a, setting_a = _side(catalogue, record, "model_a", "setting_a", prompt_task)
    generator_b, setting_b = _side(catalogue, record, "model_b", "setting_b", prompt_task)
    if generator_a == generator_b:
        raise FieldError("model_b", "the same model as model_a")
    name = _text(record, "judge", required=False) or (judge or "")
    if not name:
        raise FieldError("judge", "missing (give a judge column or --judge NAME)")
    winner = _text(record, "winner").lower()
    if winner not in WINNERS:
        raise FieldError("winner", f"{winner!r} is not one of a, b, tie, both_bad")
    order = _text(record, "order", required=False).lower()
    if order not in ORDERS:
        raise FieldError("order", f"{order!r} must be 'a' (A shown first, the default) or 'b'")
    return _Row(
        line=line, judge=name, kind=_text(record, "kind", required=False) or kind, prompt=prompt,
        generator_a=generator_a, generator_b=generator_b, setting_a=setting_a, setting_b=setting_b,
        a_first=ORDERS[order], winner=WINNERS[winner],
        probability_a=_probability(record.get("probability_a"), "probability_a"),
    )  # fmt: skip


def _from_benchmark(record: dict[str, Any], catalogue: _Catalogue, default_task: str) -> dict[str, Any]:
    """The benchmark judge's record in this importer's own fields (the mapping in docs/import-format.md)."""
    task_text = _text(record, "task", required=False).lower() or default_task
    if task_text not in BENCHMARK_TASKS:
        raise FieldError("task", f"{task_text!r} is not one of {', '.join(BENCHMARK_TASKS)}")
    task = BENCHMARK_TASKS[task_text]
    instance = _text(record, "instance")
    prompt_id = catalogue.instances.get((instance, task))
    slug = image_slug(instance) if task == Task.IMAGE else benchmark_slug(instance)
    if prompt_id is None and slug not in catalogue.prompts:
        raise FieldError("instance", f"no {task} prompt for instance {instance!r} (looked for slug {slug!r})")
    if prompt_id is not None:
        slug = next(s for s, (pid, _) in catalogue.prompts.items() if pid == prompt_id)
    preference = record.get("preference")
    key = (
        str(preference).strip().lower()
        if isinstance(preference, (str, int)) and not isinstance(preference, bool)
        else ""
    )
    if key not in BENCHMARK_PREFERENCE:
        raise FieldError("preference", f'{preference!r} is not one of "1", "2", "tie", "both_bad"')
    return {
        "prompt": slug,
        "model_a": record.get("model_1"),
        "model_b": record.get("model_2"),
        "judge": record.get("judge"),
        "winner": BENCHMARK_PREFERENCE[key],
        "probability_a": record.get("probability_1"),
        "order": "a",
    }


# ---------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------


def judgements_import(
    *,
    path: Path,
    judge: str | None = None,
    kind: str = "llm",
    fmt: str = "auto",
    task: str = Task.TEXT,
    progress: Progress | None = None,
    source_name: str | None = None,
) -> JudgementReport:
    """Check every row of a judgements file, then store them all, or nothing when any row is bad.

    Parameters
    ----------
    path : Path
        CSV (header ``prompt,model_a,model_b,winner`` and optional
        ``judge,probability_a,order,setting_a,setting_b,kind``), JSON lines or
        a JSON list of objects with the same keys, or the benchmark judge's
        output (``fmt="benchmark"``).
    judge : str, optional
        The judge of rows that name none.
    kind : str
        The kind of a judge created by this import, unless a row says.
    fmt : {"auto", "csv", "jsonl", "benchmark"}
        ``auto`` goes by the extension and the first character.
    task : str
        Benchmark format: the task of records without a ``task`` field.
    progress : callable, optional
        Called with the line number reached, as rows are read.
    """
    where = source_name or str(path)
    report = JudgementReport()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        report.errors.append(f"{where}: cannot read ({exc.strerror or exc})")
        return report
    except UnicodeDecodeError as exc:
        report.errors.append(f"{where}: not UTF-8 text (byte {exc.start})")
        return report
    if fmt not in FORMATS:
        report.errors.append(f"{where}: unknown format {fmt!r} (known: {', '.join(FORMATS)})")
        return report
    report.format = _format(path, text, fmt)
    catalogue = _Catalogue()
    rows: dict[tuple[str, int, int, int], _Row] = {}
    for line, record in _records(text, "csv" if report.format == "csv" else "jsonl"):
        if progress is not None:
            progress(line)
        try:
            if isinstance(record, FieldError):
                raise record
            row = _row(catalogue, record, line, judge=judge, kind=kind, task=task,
                       benchmark=report.format == "benchmark")  # fmt: skip
            earlier = rows.get(row.presentation())
            if earlier is not None:
                raise FieldError("", f"the same judge, prompt, models and order as line {earlier.line}")
            rows[row.presentation()] = row
        except FieldError as exc:
            report.errors.append(f"{where}:{line}: {exc}")
    report.rows = len(rows)
    if not rows and not report.errors:
        report.errors.append(f"{where}: no judgements in the file")
    if report.errors:
        return report
    _store(list(rows.values()), catalogue, report)
    return report


def _store(rows: list[_Row], catalogue: _Catalogue, report: JudgementReport) -> None:
    now = timezone.now()
    with transaction.atomic():
        judges: dict[str, Judge] = {}
        for name in sorted({row.judge for row in rows}):
            kind = next(row.kind for row in rows if row.judge == name)
            judges[name], _ = Judge.objects.get_or_create(name=name, defaults={"kind": kind})
        report.judges = sorted(judges)
        existing: dict[tuple[str, int, int, int], Judgement] = {}
        for old in Judgement.objects.filter(judge__in=judges.values()).select_related("judge"):
            first, second = (
                (old.generator_a_id, old.generator_b_id) if old.a_first else (old.generator_b_id, old.generator_a_id)
            )
            existing[(old.judge.name, old.prompt_id, first, second)] = old
        created: list[Judgement] = []
        updated: list[Judgement] = []
        for row in rows:
            values = {
                "generator_a_id": row.generator_a, "generator_b_id": row.generator_b,
                "setting_a_id": row.setting_a, "setting_b_id": row.setting_b,
                "asset_a_id": catalogue.asset(row.generator_a, row.setting_a, row.prompt),
                "asset_b_id": catalogue.asset(row.generator_b, row.setting_b, row.prompt),
                "a_first": row.a_first, "winner": row.winner, "probability_a": row.probability_a, "imported_at": now,
            }  # fmt: skip
            stored = existing.get(row.presentation())
            if stored is None:
                created.append(Judgement(judge=judges[row.judge], prompt_id=row.prompt, **values))
            else:
                for name, value in values.items():
                    setattr(stored, name, value)
                updated.append(stored)
        Judgement.objects.bulk_create(created, batch_size=2000)
        if updated:
            Judgement.objects.bulk_update(updated, STORED_FIELDS, batch_size=2000)
        report.created, report.updated = len(created), len(updated)
