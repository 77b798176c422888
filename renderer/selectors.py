"""Reads of the renderer's results: the gallery, the asset page, and executability.

Executability is defined here once: an asset is executable when its render
status is ``ok`` (its script ran and left a mesh). Every page and metric that
reports it (the board's column, the by-attempt panel, the executability metric)
reads it through this module.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from arena.models import Asset, GenerationAttempt, Generator, Prompt, Status, Task
from arena.selectors import reference_urls


def is_executable(status: str) -> bool:
    """Whether an asset with this render status is executable."""
    return status == Status.OK


# What may make an asset win besides its shape: per asset, from the render's stats and the script
# (`leaderboard.rating.fit_controlled` controls for them; the battle export carries them).
COMPLEXITY_FEATURES = ("triangles", "objects", "parts", "fill", "code_chars")
# Measured by the render job since they were added: None (missing, not 0) for assets rendered before.
MEASURED_LATER = ("parts", "fill")


def complexity_features(stats: dict[str, Any] | None, code_chars: int | None) -> dict[str, float | None]:
    """An asset's complexity features, by name (see ``COMPLEXITY_FEATURES``).

    ``triangles`` and ``objects``: what its mesh rendered; ``parts``: connected
    pieces of that mesh, over all its objects; ``fill``: the share of the first
    clay view's pixels the shape covers (0 to 1); ``code_chars``: characters of
    its script. ``parts`` and ``fill`` are None for an asset whose mesh was
    exported before the render job measured them (``arena_render --force``
    measures them), and ``fill`` for one whose views failed; an asset that left
    no mesh has 0 of each, as of triangles.
    """
    stats = stats or {}
    features: dict[str, float | None] = {
        "triangles": float(stats.get("triangles") or 0),
        "objects": float(stats.get("objects") or 0),
    }
    for name in MEASURED_LATER:
        value = stats.get(name)
        features[name] = None if value is None and stats else float(value or 0)
    features["code_chars"] = float(code_chars or 0)
    return features


def finished_outputs() -> QuerySet[Asset]:
    """Model outputs whose render finished (ok or failed): the denominator of executability."""
    return Asset.objects.filter(is_reference=False).exclude(status__in=[Status.PENDING, Status.RUNNING])


def executability_counts(*fields: str) -> QuerySet[Any]:
    """(*fields, finished, executable) rows of finished outputs, grouped by `fields` (one GROUP BY)."""
    return (
        finished_outputs().values_list(*fields).annotate(total=Count("id"), ok=Count("id", filter=Q(status=Status.OK)))
    )


@dataclass
class GalleryRow:
    prompt: Prompt
    reference: Asset | None
    # Per generator, its assets for the prompt: one per setting it ran under (empty where it has none).
    outputs: list[list[Asset]] = field(default_factory=list)


def gallery_rows(*, task: str = "", category: str = "") -> tuple[list[Generator], list[GalleryRow]]:
    """Every prompt with its reference and each generator's assets, one per setting (by setting name)."""
    generators = list(Generator.objects.order_by("name"))
    prompts = Prompt.objects.order_by("task", "category", "slug")
    if task:
        prompts = prompts.filter(task=task)
    if category:
        prompts = prompts.filter(category=category)
    references: dict[int, Asset] = {}
    outputs: dict[tuple[int, int | None], list[Asset]] = defaultdict(list)
    query = Asset.objects.filter(prompt__in=prompts).select_related("generator", "setting")
    for asset in query.order_by("setting__name", "id"):
        if asset.is_reference:
            references[asset.prompt_id] = asset
        else:
            outputs[(asset.prompt_id, asset.generator_id)].append(asset)
    rows = [GalleryRow(p, references.get(p.id), [outputs.get((p.id, g.id), []) for g in generators]) for p in prompts]
    return generators, rows


def render_counts() -> dict[str, int]:
    rows = Asset.objects.values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    counts["total"] = sum(counts.values())
    counts["done"] = counts["total"] - counts.get(Status.PENDING, 0) - counts.get(Status.RUNNING, 0)
    return counts


def asset_by_public_id(public_id: str) -> Asset:
    return (
        Asset.objects.select_related("prompt", "generator", "setting")
        .prefetch_related("generation_attempts")
        .get(public_id=public_id)
    )


def prompt_given(asset: Asset) -> dict[str, Any]:
    """The prompt the asset's run was given: the caption or the instruction, or the reference views."""
    prompt = asset.prompt
    values = asset.setting.values if asset.setting else {}
    if prompt.task == Task.IMAGE:
        urls = reference_urls(prompt)
        return {"kind": "images", "images": urls[: values.get("views") or len(urls)], "text": ""}
    if values.get("prompt_type") == "instruction" and prompt.instruction:
        return {"kind": "instruction", "text": prompt.instruction, "images": []}
    return {"kind": "description", "text": prompt.text, "images": []}


def categories() -> list[str]:
    return list(Prompt.objects.exclude(category="").values_list("category", flat=True).distinct().order_by("category"))


# -- executability by attempt --------------------------------------------------

RETRIES = 3  # columns: the single shot, then after 1, 2 and 3 retries
TOP_ERRORS = 5
RUNNER_OK = "OK"


@dataclass
class ExecutabilityRow:
    """One model (``setting`` empty) or one of its settings: how many of its assets ran after k retries."""

    model: str
    setting: str = ""
    label: str = ""
    assets: int = 0
    executable: list[int] = field(default_factory=lambda: [0] * (RETRIES + 1))
    errors: list[tuple[str, int]] = field(default_factory=list)
    settings: list[ExecutabilityRow] = field(default_factory=list)

    @property
    def shares(self) -> list[float]:
        """Fraction executable after 0 (single shot), 1, 2, 3 retries."""
        return [k / self.assets if self.assets else 0.0 for k in self.executable]


_PATH = re.compile(r"""(?:[A-Za-z]:)?(?:[\\/][\w.<>~+-]+)+[\\/]?""")
_FILE_FRAME = re.compile(r"""File "[^"]*"(?:, line \d+)?(?:, in \S+)?""")
_LINE = re.compile(r"\(?\b(?:line|lines|row)\s+\d+(?:\s*[-:]\s*\d+)?\)?", re.IGNORECASE)
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b")
ERROR_CHARS = 160


def error_normalise(text: str) -> str:
    """An error message without what differs between runs of the same mistake: paths, line numbers, addresses.

    Keeps the first non-empty line (the runner's brief and the arena's error are one line; a
    traceback's last line is the exception), shortened to ``ERROR_CHARS`` characters.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1] if lines[0].startswith("Traceback") else lines[0]
    line = _FILE_FRAME.sub("", line)
    line = _PATH.sub("<path>", line)
    line = _LINE.sub("", line)
    line = _HEX.sub("0x…", line)
    line = re.sub(r"\s+", " ", line).strip(" ,;:")
    return line if len(line) <= ERROR_CHARS else line[: ERROR_CHARS - 1] + "…"


def _first_executable(status: str, run_status: Any, first_ok: int | None, n_attempts: int) -> int | None:
    """The number of retries after which an asset ran (None: it never did; see docs/rating.md)."""
    if n_attempts:
        return first_ok
    if isinstance(run_status, str) and run_status:
        return 0 if run_status == RUNNER_OK else None
    return 0 if status == Status.OK else None


def model_executability(*, task: str = "", family: str = "", category: str = "") -> list[ExecutabilityRow]:
    """Per model (and per setting), the share of its assets executable after the single shot and 1–3 retries.

    An asset with ``GenerationAttempt`` rows is executable after k retries if an attempt numbered k or
    less has the runner's status OK. One without attempt rows counts its final status at attempt 0:
    the run's own ``final_render_status`` when its run log has one, else the arena's render status;
    such an asset still waiting for the arena's render is left out. Also each model's most frequent
    errors, normalised (:func:`error_normalise`), from the runner's attempts and the arena's renders.
    """
    assets = Asset.objects.filter(is_reference=False, generator__isnull=False)
    if task:
        assets = assets.filter(prompt__task=task)
    if family:
        assets = assets.filter(prompt__family=family)
    if category:
        assets = assets.filter(prompt__category=category)
    rows = assets.annotate(
        first_ok=Min("generation_attempts__number", filter=Q(generation_attempts__status=RUNNER_OK)),
        n_attempts=Count("generation_attempts"),
    ).values_list("generator__name", "setting__name", "setting__label", "status", "run_log__final_render_status",
                  "first_ok", "n_attempts")  # fmt: skip
    models: dict[str, ExecutabilityRow] = {}
    by_setting: dict[tuple[str, str], ExecutabilityRow] = {}
    for name, setting, label, status, run_status, first_ok, n_attempts in rows:
        if not n_attempts and not run_status and status in (Status.PENDING, Status.RUNNING):
            continue
        retries = _first_executable(status, run_status, first_ok, n_attempts)
        model = models.setdefault(name, ExecutabilityRow(model=name))
        targets = [model]
        if setting:
            key = (name, setting)
            if key not in by_setting:
                by_setting[key] = ExecutabilityRow(model=name, setting=setting, label=label or setting)
                model.settings.append(by_setting[key])
            targets.append(by_setting[key])
        for row in targets:
            row.assets += 1
            if retries is not None:
                for k in range(min(retries, RETRIES + 1), RETRIES + 1):
                    row.executable[k] += 1
    for name, errors in _top_errors(assets).items():
        if name in models:
            models[name].errors = errors
    for model in models.values():
        model.settings.sort(key=lambda row: row.setting)
    return [models[name] for name in sorted(models)]


def _top_errors(assets: QuerySet[Asset]) -> dict[str, list[tuple[str, int]]]:
    """Each model's most frequent normalised errors: the runner's failed attempts and the arena's failed renders."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    attempts = GenerationAttempt.objects.filter(asset__in=assets).exclude(status=RUNNER_OK).exclude(error="")
    arena = assets.exclude(status__in=[Status.OK, Status.PENDING, Status.RUNNING]).exclude(error="")
    queries = (attempts.values_list("asset__generator__name", "error"), arena.values_list("generator__name", "error"))
    for query in queries:
        for name, error in query.iterator(chunk_size=5000):
            message = error_normalise(error)
            if message:
                counts[name][message] += 1
    return {name: counter.most_common(TOP_ERRORS) for name, counter in counts.items()}
