"""Reads of the arena's data."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone

from arena.models import Annotator, Asset, Battle, Generator, Prompt, Status, Vote
from arena.sampling import choose_pair

log = logging.getLogger(__name__)


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
    rows = [GalleryRow(p, assets[p.id].get(None), [assets[p.id].get(g.id) for g in generators]) for p in prompts]
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


# -- pairs ---------------------------------------------------------------------

GOLD_TRIVIAL_TRIANGLES = 64


@dataclass
class PairChoice:
    assets: tuple[Asset, Asset]
    strategy: str
    gold_answer: str = ""


def pair_statistics(generator_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Battle counts and wins (ties as halves) between generators, in one GROUP BY."""
    index = {g: i for i, g in enumerate(generator_ids)}
    n = len(generator_ids)
    counts, wins = np.zeros((n, n)), np.zeros((n, n))
    rows = (
        Vote.objects.filter(flagged=False, is_gold=False)
        .values("generator_a", "generator_b", "winner")
        .annotate(n=Count("id"))
    )
    for row in rows:
        a, b = index.get(row["generator_a"]), index.get(row["generator_b"])
        if a is None or b is None:
            continue
        counts[a, b] += row["n"]
        counts[b, a] += row["n"]
        share_a = {"a": 1.0, "b": 0.0}.get(row["winner"], 0.5)
        wins[a, b] += share_a * row["n"]
        wins[b, a] += (1.0 - share_a) * row["n"]
    return counts, wins


# Serving a pair reads every rendered asset and all vote counts; a few seconds of
# staleness is harmless (a new render joins the pool a moment later), so the
# per-request cost is one indexed query for the annotator's own past pairs.
PAIR_CACHE_SECONDS = 5
OK_OUTPUTS_KEY = "arena:ok-outputs"


def _cache_get(key: str) -> Any:
    """The arena's caches are an optimisation: unreachable (Redis restarting), a read is a miss."""
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache unreachable, reading %s from the database", key, exc_info=True)
        return None


def _cache_set(key: str, value: Any, timeout: float) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        log.warning("cache unreachable, %s not stored", key, exc_info=True)


def _cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        log.warning("cache unreachable, %s not cleared", key, exc_info=True)


def _pair_options() -> dict[tuple[int, int], list[tuple[int, int]]]:
    """(generator g, generator h) with g < h -> their rendered asset pairs, one per shared prompt (cached briefly)."""
    cached = _cache_get(OK_OUTPUTS_KEY)
    if cached is not None:
        return cached
    table: dict[int, dict[int, int]] = defaultdict(dict)
    for asset_id, prompt_id, generator_id in ok_assets().values_list("id", "prompt_id", "generator_id"):
        table[prompt_id][generator_id] = asset_id
    options: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for by_generator in table.values():
        generators = sorted(by_generator)
        for i, g in enumerate(generators):
            for h in generators[i + 1 :]:
                options[(g, h)].append((by_generator[g], by_generator[h]))
    if options:  # an empty arena is not cached: its first renders show up at once
        _cache_set(OK_OUTPUTS_KEY, dict(options), PAIR_CACHE_SECONDS)
    return dict(options)


def _seen_pairs(annotator: Annotator) -> set[frozenset[int]]:
    return {frozenset(p) for p in Battle.objects.filter(annotator=annotator).values_list("asset_a_id", "asset_b_id")}


def pair_choice(*, annotator: Annotator, strategy: str, rng: random.Random) -> PairChoice | None:
    """Pick two generators with the sampler, then a prompt both answered that this annotator has not seen."""
    all_options = _pair_options()
    seen = _seen_pairs(annotator)
    # A generator pair stays open while this annotator has an unseen prompt for it.
    options = {
        pair: assets
        for pair, assets in all_options.items()
        if not seen or any(frozenset(choice) not in seen for choice in assets)
    }
    if not options:
        return None
    generator_ids = sorted({g for pair in options for g in pair})
    index = {g: i for i, g in enumerate(generator_ids)}
    stats_key = f"arena:pair-stats:{','.join(map(str, generator_ids))}"
    stats = _cache_get(stats_key)
    if stats is None:
        stats = (*pair_statistics(generator_ids), *current_ratings(generator_ids))
        _cache_set(stats_key, stats, PAIR_CACHE_SECONDS)
    counts, wins, ratings, errors = stats
    pairs = sorted(options)
    indexed = [(index[g], index[h]) for g, h in pairs]
    numpy_rng = np.random.default_rng(rng.getrandbits(64))
    i, j = choose_pair(indexed, counts, wins, numpy_rng, strategy=strategy, ratings=ratings, errors=errors)
    chosen = pairs[indexed.index((i, j))]
    first_id, second_id = rng.choice([choice for choice in options[chosen] if frozenset(choice) not in seen])
    chosen_assets = Asset.objects.select_related("prompt").in_bulk([first_id, second_id])
    if len(chosen_assets) < 2:  # removed since the table was cached
        _cache_delete(OK_OUTPUTS_KEY)
        return None
    return PairChoice((chosen_assets[first_id], chosen_assets[second_id]), strategy)


UNRATED_ERROR = 400.0


def current_ratings(generator_ids: list[int]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Ratings and standard errors from the latest overall snapshot, for the active sampler."""
    from leaderboard.selectors import latest_snapshot

    snapshot = latest_snapshot()
    if snapshot is None:
        return None, None
    names = dict(Generator.objects.filter(id__in=generator_ids).values_list("id", "name"))
    rows = {row["model"]: row for row in snapshot.rows}
    ratings, errors = np.full(len(generator_ids), 1000.0), np.full(len(generator_ids), UNRATED_ERROR)
    for k, generator_id in enumerate(generator_ids):
        row = rows.get(names.get(generator_id, ""))
        if row is None:
            continue
        ratings[k] = row["rating"]
        if row.get("ci_low") is not None and row.get("ci_high") is not None:
            errors[k] = max((row["ci_high"] - row["ci_low"]) / 3.92, 1.0)
    return ratings, errors


def gold_choice(*, annotator: Annotator, rng: random.Random) -> PairChoice | None:
    """A reference asset against a trivial output of the same prompt (the reference should win)."""
    seen = _seen_pairs(annotator)
    references = {a.prompt_id: a for a in Asset.objects.filter(is_reference=True, status=Status.OK)}
    trivial = [
        a
        for a in ok_assets().filter(prompt_id__in=references).select_related("prompt")
        if (a.stats or {}).get("triangles", GOLD_TRIVIAL_TRIANGLES + 1) <= GOLD_TRIVIAL_TRIANGLES
        and frozenset((a.id, references[a.prompt_id].id)) not in seen
    ]
    if not trivial:
        return None
    weak = rng.choice(trivial)
    return PairChoice((references[weak.prompt_id], weak), "gold", gold_answer="reference")


VOTES_TODAY_SECONDS = 2


def _today() -> tuple[Any, str]:
    """Midnight (in the site's time zone) and the cache key of today's vote count."""
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return start, f"arena:votes-today:{start.date().isoformat()}"


def votes_today(*, fresh: bool = False) -> int:
    """Votes cast since midnight; every pair and reveal shows it, so it is cached for a moment.

    ``fresh`` counts now and refreshes the cached value (for the API).
    """
    start, key = _today()
    if not fresh:
        cached = _cache_get(key)
        if cached is not None:
            return int(cached)
    count = Vote.objects.filter(created_at__gte=start).count()
    _cache_set(key, count, VOTES_TODAY_SECONDS)
    return count


def votes_today_after_vote() -> int:
    """The count once a vote is in: the cached count plus one, else counted afresh."""
    try:
        return int(cache.incr(_today()[1]))
    except Exception:  # not cached (ValueError), or the cache is unreachable
        return votes_today(fresh=True)


def annotator_summary(annotator: Annotator) -> dict[str, Any]:
    votes = Vote.objects.filter(annotator=annotator)
    by_winner = dict(votes.values_list("winner").annotate(n=Count("id")))
    gold = list(votes.filter(is_gold=True).values_list("winner", "battle__gold_answer"))
    return {
        "votes": votes.count(),
        "counted": votes.filter(flagged=False).count(),
        "flagged": votes.filter(flagged=True, is_gold=False).count(),
        "by_winner": by_winner,
        "gold": len(gold),
        "gold_right": sum(w == a for w, a in gold),
        "today": votes.filter(created_at__gte=timezone.now() - timedelta(days=1)).count(),
    }


def _side_payload(battle: Battle, side: str) -> dict[str, Any]:
    asset = battle.asset_a if side == "a" else battle.asset_b
    base = f"/arena/b/{battle.public_id}/{side}"
    return {
        "glb": f"{base}.glb",
        "views": [f"{base}/{i}.png" for i in range(len(asset.views))],
        "triangles": (asset.stats or {}).get("triangles"),
    }


def battle_payload(battle: Battle, *, token: str) -> dict[str, Any]:
    """What the vote page gets for a pair: nothing that names or numbers a generator."""
    prompt = battle.prompt
    return {
        "token": token,
        "prompt": {
            "task": prompt.task,
            "text": prompt.text,
            "category": prompt.category,
            "image": prompt.reference_image.url if prompt.reference_image else None,
        },
        "a": _side_payload(battle, "a"),
        "b": _side_payload(battle, "b"),
        "votes_today": votes_today(),
    }


def _reveal_side(asset: Asset) -> dict[str, str]:
    name = asset.generator.name if asset.generator else "Reference"
    return {"name": name, "url": f"/renders/asset/{asset.public_id}/"}


def reveal_payload(vote: Vote) -> dict[str, Any]:
    battle = vote.battle
    counted = not vote.flagged
    note = "" if counted else f"Kept but not counted: {vote.flag_reason}."
    if vote.is_gold:
        note = "That was a check pair with a known answer: thank you."
    return {
        "reveal": {"a": _reveal_side(battle.asset_a), "b": _reveal_side(battle.asset_b)},
        "counted": counted,
        "note": note,
        "votes_today": votes_today(),
    }
