"""Reads of the arena's data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from arena.models import Asset, Generator, Prompt, Status


@dataclass
class GalleryRow:
    prompt: Prompt
    reference: Asset | None
    outputs: list[Asset | None] = field(default_factory=list)


def gallery_rows(*, task: str = "", category: str = "") -> tuple[list[Generator], list[GalleryRow]]:
    """Every prompt with its reference and each generator's asset (None where missing)."""
    generators = list(Generator.objects.order_by("name"))
    prompts = Prompt.objects.order_by("task", "category", "slug")
    if task:
        prompts = prompts.filter(task=task)
    if category:
        prompts = prompts.filter(category=category)
    assets: dict[int, dict[int | None, Asset]] = defaultdict(dict)
    for asset in Asset.objects.filter(prompt__in=prompts).select_related("generator"):
        assets[asset.prompt_id][None if asset.is_reference else asset.generator_id] = asset
    rows = [
        GalleryRow(p, assets[p.id].get(None), [assets[p.id].get(g.id) for g in generators]) for p in prompts
    ]
    return generators, rows


def render_counts() -> dict[str, int]:
    rows = Asset.objects.values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    counts["total"] = sum(counts.values())
    counts["done"] = counts["total"] - counts.get(Status.PENDING, 0) - counts.get(Status.RUNNING, 0)
    return counts


def asset_by_public_id(public_id: str) -> Asset:
    return Asset.objects.select_related("prompt", "generator").get(public_id=public_id)


def categories() -> list[str]:
    return list(Prompt.objects.exclude(category="").values_list("category", flat=True).distinct().order_by("category"))


def ok_assets() -> QuerySet[Asset]:
    return Asset.objects.filter(status=Status.OK, is_reference=False)
