"""Reads of the arena's data."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from arena.models import (
    ASSET_LONG_FIELDS,
    Annotator,
    Asset,
    Battle,
    GenerationAttempt,
    Generator,
    Prompt,
    Status,
    Study,
    Vote,
)
from arena.sampling import choose_pair
from arena.signals import emit, ratings_wanted

log = logging.getLogger(__name__)


def ok_assets() -> QuerySet[Asset]:
    return Asset.objects.filter(status=Status.OK, is_reference=False)


def study_assets(study: Study) -> QuerySet[Asset]:
    """A study's pool: rendered outputs of its prompts by its models or settings (none listed: every model)."""
    assets = ok_assets().filter(prompt__studies=study)
    generator_ids = list(study.generators.values_list("id", flat=True))
    setting_ids = list(study.model_settings.values_list("id", flat=True))
    if generator_ids or setting_ids:
        assets = assets.filter(Q(generator_id__in=generator_ids) | Q(setting_id__in=setting_ids))
    return assets


# -- pairs ---------------------------------------------------------------------

GOLD_TRIVIAL_TRIANGLES = 64


@dataclass
class PairChoice:
    assets: tuple[Asset, Asset]
    strategy: str
    gold_answer: str = ""


def pair_statistics(generator_ids: list[int], *, study: Study | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Battle counts and wins (ties as halves) between generators, in one GROUP BY (a study's votes only)."""
    index = {g: i for i, g in enumerate(generator_ids)}
    n = len(generator_ids)
    counts, wins = np.zeros((n, n)), np.zeros((n, n))
    votes = Vote.objects.filter(flagged=False, is_gold=False)
    if study is not None:
        votes = votes.filter(study=study)
    rows = votes.values("generator_a", "generator_b", "winner").annotate(n=Count("id"))
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
OK_OUTPUTS_KEY = "arena:ok-outputs:by-model"


def cache_get(key: str) -> Any:
    """The arena's caches are an optimisation: unreachable (Redis restarting), a read is a miss."""
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache unreachable, reading %s from the database", key, exc_info=True)
        return None


def cache_set(key: str, value: Any, timeout: float) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        log.warning("cache unreachable, %s not stored", key, exc_info=True)


def cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        log.warning("cache unreachable, %s not cleared", key, exc_info=True)


def _pair_options(study: Study | None = None) -> dict[tuple[int, int], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """(generator g, generator h) with g < h -> per shared prompt, g's and h's rendered assets (cached briefly).

    A model with several settings may have several assets for one prompt (image-to-3D from 1 and from 4
    views): they stay together here and one of them is drawn per battle. Pairs are keyed by model, so a
    model never meets itself.
    """
    key = OK_OUTPUTS_KEY if study is None else f"{OK_OUTPUTS_KEY}:study:{study.id}"
    cached = cache_get(key)
    if cached is not None:
        return cached
    table: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    assets = ok_assets() if study is None else study_assets(study)
    for asset_id, prompt_id, generator_id in assets.values_list("id", "prompt_id", "generator_id"):
        table[prompt_id][generator_id].append(asset_id)
    options: dict[tuple[int, int], list[tuple[tuple[int, ...], tuple[int, ...]]]] = defaultdict(list)
    for by_generator in table.values():
        generators = sorted(by_generator)
        for i, g in enumerate(generators):
            for h in generators[i + 1 :]:
                options[(g, h)].append((tuple(sorted(by_generator[g])), tuple(sorted(by_generator[h]))))
    if options:  # an empty arena is not cached: its first renders show up at once
        cache_set(key, dict(options), PAIR_CACHE_SECONDS)
    return dict(options)


def _unseen(choice: tuple[tuple[int, ...], tuple[int, ...]], seen: set[frozenset[int]]) -> list[tuple[int, int]]:
    """The asset pairs of one prompt's choice that this annotator has not been served."""
    return [(a, b) for a in choice[0] for b in choice[1] if frozenset((a, b)) not in seen]


def _seen_pairs(annotator: Annotator) -> set[frozenset[int]]:
    return {frozenset(p) for p in Battle.objects.filter(annotator=annotator).values_list("asset_a_id", "asset_b_id")}


def pair_choice(
    *, annotator: Annotator, strategy: str, rng: random.Random, study: Study | None = None
) -> PairChoice | None:
    """Pick two generators with the sampler, then a prompt both answered that this annotator has not seen.

    Within a `study`, from its pool only, with the counts of its own votes.
    """
    all_options = _pair_options(study)
    seen = _seen_pairs(annotator)
    # A generator pair stays open while this annotator has an unseen prompt for it.
    options = {
        pair: choices
        for pair, choices in all_options.items()
        if not seen or any(_unseen(choice, seen) for choice in choices)
    }
    if not options:
        return None
    # The statistics cover the whole pool, whatever this annotator has seen: one cached entry serves everyone
    # (the sampler weighs each open pair by its own entries only).
    generator_ids = sorted({g for pair in all_options for g in pair})
    index = {g: i for i, g in enumerate(generator_ids)}
    stats_key = f"arena:pair-stats:{study.id if study else ''}:{','.join(map(str, generator_ids))}"
    stats = cache_get(stats_key)
    if stats is None:
        stats = (*pair_statistics(generator_ids, study=study), *current_ratings(generator_ids))
        cache_set(stats_key, stats, PAIR_CACHE_SECONDS)
    counts, wins, ratings, errors = stats
    pairs = sorted(options)
    indexed = [(index[g], index[h]) for g, h in pairs]
    numpy_rng = np.random.default_rng(rng.getrandbits(64))
    i, j = choose_pair(indexed, counts, wins, numpy_rng, strategy=strategy, ratings=ratings, errors=errors)
    chosen = pairs[indexed.index((i, j))]
    # A prompt at random, then one asset of each model for it (one setting drawn per battle).
    prompt_choices = [unseen for unseen in (_unseen(choice, seen) for choice in options[chosen]) if unseen]
    first_id, second_id = rng.choice(rng.choice(prompt_choices))
    chosen_assets = Asset.objects.select_related("prompt").defer(*ASSET_LONG_FIELDS).in_bulk([first_id, second_id])
    if len(chosen_assets) < 2:  # removed since the table was cached
        cache_delete(OK_OUTPUTS_KEY if study is None else f"{OK_OUTPUTS_KEY}:study:{study.id}")
        return None
    return PairChoice((chosen_assets[first_id], chosen_assets[second_id]), strategy)


UNRATED_ERROR = 400.0


def current_ratings(generator_ids: list[int]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Ratings and standard errors for the active sampler, from the app that rates (`ratings_wanted`)."""
    answers = [answer for answer in emit(ratings_wanted) if answer is not None]
    if not answers:
        return None, None
    known: dict[str, tuple[float, float | None]] = answers[0]
    names = dict(Generator.objects.filter(id__in=generator_ids).values_list("id", "name"))
    ratings, errors = np.full(len(generator_ids), 1000.0), np.full(len(generator_ids), UNRATED_ERROR)
    for k, generator_id in enumerate(generator_ids):
        rating, error = known.get(names.get(generator_id, ""), (None, None))
        if rating is None:
            continue
        ratings[k] = rating
        if error is not None:
            errors[k] = max(error, 1.0)
    return ratings, errors


def gold_choice(*, annotator: Annotator, rng: random.Random, study: Study | None = None) -> PairChoice | None:
    """A reference asset against a trivial output of the same prompt (the reference should win).

    Within a `study`, on its prompts only (the trivial output may be any model's: it is never rated).
    """
    seen = _seen_pairs(annotator)
    candidates = Asset.objects.filter(is_reference=True, status=Status.OK)
    if study is not None:
        candidates = candidates.filter(prompt__studies=study)
    references = dict(candidates.values_list("prompt_id", "id"))
    # Only ids are read, and only of the trivial outputs (an asset without a triangle count is not one):
    # a gold pair is asked for on every check of every participant.
    outputs = ok_assets().filter(prompt_id__in=references, stats__triangles__lte=GOLD_TRIVIAL_TRIANGLES)
    trivial = [
        (references[prompt_id], weak_id)
        for weak_id, prompt_id in outputs.values_list("id", "prompt_id")
        if frozenset((weak_id, references[prompt_id])) not in seen
    ]
    if not trivial:
        return None
    reference_id, weak_id = rng.choice(trivial)
    chosen = Asset.objects.select_related("prompt").defer(*ASSET_LONG_FIELDS).in_bulk([reference_id, weak_id])
    if len(chosen) < 2:  # removed meanwhile
        return None
    return PairChoice((chosen[reference_id], chosen[weak_id]), "gold", gold_answer="reference")


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
        cached = cache_get(key)
        if cached is not None:
            return int(cached)
    count = Vote.objects.filter(created_at__gte=start).count()
    cache_set(key, count, VOTES_TODAY_SECONDS)
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
            "images": reference_urls(prompt),
        },
        "a": _side_payload(battle, "a"),
        "b": _side_payload(battle, "b"),
        "votes_today": votes_today(),
    }


def reference_urls(prompt: Prompt) -> list[str]:
    """Every reference view of an image prompt, in order (the prompt's, never an asset's)."""
    names = prompt.reference_images or ([prompt.reference_image.name] if prompt.reference_image else [])
    return [default_storage.url(name) for name in names]


def _reveal_side(asset: Asset, attempts: list[dict[str, Any]]) -> dict[str, Any]:
    """After the vote only: the model, the setting it ran under and how its script came to be."""
    name = asset.generator.name if asset.generator else "Reference"
    return {
        "name": name,
        "url": f"/renders/asset/{asset.public_id}/",
        "setting": asset.setting.label if asset.setting else "",
        "attempts": attempts,
    }


def reveal_payload(vote: Vote, *, reveal: bool = True) -> dict[str, Any]:
    """What the page gets after a vote: the names (unless `reveal` is off, as in most studies) and the count."""
    battle = vote.battle
    counted = not vote.flagged
    note = "" if counted else f"Kept but not counted: {vote.flag_reason}."
    if vote.is_gold:
        note = "That was a check pair with a known answer: thank you."
    if not reveal:
        return {"reveal": None, "counted": counted, "note": note, "votes_today": votes_today()}
    # Both sides' refinement trajectories in one query.
    attempts: dict[int, list[dict[str, Any]]] = {battle.asset_a_id: [], battle.asset_b_id: []}
    rows = GenerationAttempt.objects.filter(asset_id__in=list(attempts)).order_by("asset_id", "number")
    for asset_id, number, status, error in rows.values_list("asset_id", "number", "status", "error"):
        attempts[asset_id].append({"number": number, "status": status, "error": error[:300]})
    return {
        "reveal": {
            "a": _reveal_side(battle.asset_a, attempts[battle.asset_a_id]),
            "b": _reveal_side(battle.asset_b, attempts[battle.asset_b_id]),
        },
        "counted": counted,
        "note": note,
        "votes_today": votes_today(),
    }
