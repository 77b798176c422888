"""Variant boards: Bradley–Terry ratings whose players are a model's settings.

Pure (numpy, scipy; no Django). Each vote's two sides are the settings (run
folders) of the two assets shown, so the players are settings rather than
models. The arena never pairs a model with itself, so two settings of one model
never meet: they are compared through their common opponents, each setting's
rating being how it fares against the same field.

The fit is :func:`leaderboard.rating.fit_counts` run on each connected part of
the settings (settings linked by battles, directly or round a chain). Ratings of
different parts share no opponent and are not comparable; the web side fits one
board per task, and text-to-3D settings never meet image-to-3D ones anyway.

Public API
----------
- :func:`fit_variants` -- ratings, bootstrap intervals and tallies of settings,
  as a :class:`VariantFit`.
- :func:`win_probabilities` -- predicted P(i beats j) between chosen settings,
  with bootstrap intervals.
- :func:`versus_owners` -- each setting's battles and win rate against each
  opponent model (the raw counts behind the comparison).
- :func:`dimension_effects` -- settings grouped by one setting dimension: the
  within-model differences, matched on every other stated value, and their
  mean over models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from leaderboard.rating import fit_counts, model_totals, win_matrices

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

LEVEL = 0.95
_QUANTILES = [(1 - LEVEL) / 2, (1 + LEVEL) / 2]


@dataclass(frozen=True)
class VariantFit:
    """Result of :func:`fit_variants`; arrays are indexed by setting.

    Attributes
    ----------
    rating, ci_low, ci_high : numpy.ndarray
        Elo-scale rating (mean 1000 within each connected part) and its 95%
        bootstrap interval; the bounds are NaN without a bootstrap.
    part : numpy.ndarray of int
        Connected part of each setting; ratings of different parts are not
        comparable.
    battles, wins, ties, bothbad, losses : numpy.ndarray of int
        Counted battles per setting.
    win_rate : numpy.ndarray
        ``(wins + 0.5 * (ties + bothbad)) / battles``.
    win_matrix, count_matrix : numpy.ndarray
        Observed win fractions and battle counts between settings
        (:func:`leaderboard.rating.win_matrices`).
    bootstrap : numpy.ndarray
        Bootstrap ratings, shape (rounds, n_items); each part is resampled
        on its own battles.
    mle_exists : bool
        False when some part's unregularised ratings are not finite.
    """

    rating: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    part: IntArray
    battles: IntArray
    wins: IntArray
    ties: IntArray
    bothbad: IntArray
    losses: IntArray
    win_rate: FloatArray
    win_matrix: FloatArray
    count_matrix: IntArray
    bootstrap: FloatArray
    mle_exists: bool


def parts(n_items: int, a: ArrayLike, b: ArrayLike) -> IntArray:
    """Connected part of each item, linking items that met in a battle.

    Parameters
    ----------
    n_items : int
        Number of items.
    a, b : array_like of int
        The two sides of each battle (or of each aggregated row).

    Returns
    -------
    numpy.ndarray of int
        Labels ``0..k-1``, numbered in order of each part's first item.
    """
    a_, b_ = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    graph = coo_matrix((np.ones(a_.size), (a_, b_)), shape=(n_items, n_items))
    _, labels = connected_components(graph, directed=False)
    _, first = np.unique(labels, return_index=True)
    renumber = np.empty(first.size, dtype=np.int64)
    renumber[np.argsort(first)] = np.arange(first.size)
    return np.asarray(renumber[labels], dtype=np.int64)


def fit_variants(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike | None = None,
    *,
    bootstrap: int = 1000,
    seed: int | None = 0,
) -> VariantFit:
    """Ratings of settings, fitted on each connected part.

    Parameters
    ----------
    n_items : int
        Number of settings; every one needs a counted battle.
    a, b, outcome, count : array_like of int
        Aggregated ``(a, b, outcome, count)`` rows between settings, outcome
        codes as in :data:`leaderboard.rating.WINNERS`.
    bootstrap : int, optional
        Bootstrap rounds (0 to skip).
    seed : int or None, optional
        Seed of the bootstrap (the same for every part).

    Returns
    -------
    VariantFit
    """
    a_, b_ = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    o_ = np.asarray(outcome, dtype=np.int64)
    c_ = np.ones(a_.size, dtype=np.int64) if count is None else np.asarray(count, dtype=np.int64)
    part = parts(n_items, a_, b_)
    rating = np.full(n_items, np.nan)
    ci_low, ci_high = np.full(n_items, np.nan), np.full(n_items, np.nan)
    boot = np.full((max(bootstrap, 0), n_items), np.nan)
    exists = True
    for label in range(int(part.max()) + 1 if n_items else 0):
        items = np.flatnonzero(part == label)
        local = np.full(n_items, -1, dtype=np.int64)
        local[items] = np.arange(items.size)
        rows = part[a_] == label
        sides = local[a_[rows]], local[b_[rows]]
        fit = fit_counts(items.size, *sides, o_[rows], c_[rows], bootstrap=bootstrap, seed=seed)
        rating[items], ci_low[items], ci_high[items] = fit.rating, fit.ci_low, fit.ci_high
        if bootstrap > 0:
            boot[:, items] = fit.bootstrap
        exists = exists and fit.mle_exists
    totals = model_totals(n_items, a_, b_, o_, c_)
    win_matrix, count_matrix = win_matrices(n_items, a_, b_, o_, c_)
    with np.errstate(invalid="ignore", divide="ignore"):
        win_rate = (totals["wins"] + 0.5 * (totals["ties"] + totals["bothbad"])) / totals["battles"]
    return VariantFit(
        rating=rating,
        ci_low=ci_low,
        ci_high=ci_high,
        part=part,
        win_rate=win_rate,
        win_matrix=win_matrix,
        count_matrix=count_matrix,
        bootstrap=boot,
        mle_exists=exists,
        **totals,
    )


def win_probability(rating_i: ArrayLike, rating_j: ArrayLike) -> FloatArray:
    """Bradley–Terry on the Elo scale: ``1 / (1 + 10 ** ((R_j - R_i) / 400))``."""
    difference = np.asarray(rating_j, dtype=np.float64) - np.asarray(rating_i, dtype=np.float64)
    return np.asarray(1.0 / (1.0 + 10.0 ** (difference / 400.0)), dtype=np.float64)


def win_probabilities(fit: VariantFit, items: Sequence[int]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Predicted P(row beats column) between `items`, with 95% bootstrap intervals.

    Parameters
    ----------
    fit : VariantFit
        The fitted settings.
    items : sequence of int
        The settings to compare (e.g. one model's), in the order wanted.

    Returns
    -------
    probability, low, high : numpy.ndarray
        Shape (k, k). The interval is the 2.5% and 97.5% quantiles of the
        probability over the bootstrap rounds (each round's rating
        difference). NaN on the diagonal, between settings of different parts
        and, for the bounds, without a bootstrap.
    """
    index = np.asarray(items, dtype=np.int64)
    rating = fit.rating[index]
    probability = win_probability(rating[:, None], rating[None, :])
    low = np.full_like(probability, np.nan)
    high = np.full_like(probability, np.nan)
    if fit.bootstrap.shape[0] > 0:
        rounds = fit.bootstrap[:, index]
        samples = win_probability(rounds[:, :, None], rounds[:, None, :])
        low, high = np.quantile(samples, _QUANTILES, axis=0)
    apart = (fit.part[index][:, None] != fit.part[index][None, :]) | np.eye(index.size, dtype=bool)
    for matrix in (probability, low, high):
        matrix[apart] = np.nan
    return probability, low, high


def versus_owners(fit: VariantFit, owner: ArrayLike, n_owners: int) -> tuple[IntArray, FloatArray]:
    """Each setting's battles and win rate against each owner (model) of the opposing settings.

    Parameters
    ----------
    fit : VariantFit
        The fitted settings (its observed ``win_matrix`` and ``count_matrix``).
    owner : array_like of int
        The model of each setting, ``0..n_owners-1``.
    n_owners : int
        Number of models.

    Returns
    -------
    battles : numpy.ndarray of int
        Shape (n_items, n_owners).
    win_rate : numpy.ndarray
        Shape (n_items, n_owners); ties count half; NaN where they never met.
    """
    owner_ = np.asarray(owner, dtype=np.int64)
    pooling = np.zeros((owner_.size, n_owners))
    pooling[np.arange(owner_.size), owner_] = 1.0
    credit = np.nan_to_num(fit.win_matrix) * fit.count_matrix
    battles = fit.count_matrix @ pooling
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(battles > 0, (credit @ pooling) / np.where(battles > 0, battles, 1.0), np.nan)
    return np.rint(battles).astype(np.int64), rate


@dataclass(frozen=True)
class DimensionEffect:
    """How a setting dimension moves a model's rating: value ``to`` against value ``base``.

    Attributes
    ----------
    base, to : hashable
        The two values of the dimension.
    difference, low, high : float
        Mean over the matched groups of (mean rating of the group's settings
        at ``to`` − at ``base``), and its 95% bootstrap interval (NaN without
        a bootstrap).
    owners : tuple of int
        The models whose groups count, each group weighing the same.
    """

    base: Hashable
    to: Hashable
    difference: float
    low: float
    high: float
    owners: tuple[int, ...]


@dataclass(frozen=True)
class DimensionGroup:
    """Settings of one model that state the same values except the dimension's (one column per value)."""

    owner: int
    settings: dict[Hashable, tuple[int, ...]]


def dimension_groups(
    owner: Sequence[int], values: Sequence[Hashable | None], others: Sequence[Hashable], part: Sequence[int]
) -> list[DimensionGroup]:
    """Settings grouped by model, by every other stated value and by connected part.

    Parameters
    ----------
    owner : sequence of int
        The model of each setting.
    values : sequence
        Each setting's value of the dimension; None where the setting does
        not state it (it is left out).
    others : sequence of hashable
        Each setting's other stated values (e.g. a sorted tuple of items):
        only settings that agree on all of them are compared.
    part : sequence of int
        Each setting's connected part: settings of different parts are never
        compared.

    Returns
    -------
    list of DimensionGroup
        The groups with at least two different values, in order of their
        first setting.
    """
    found: dict[tuple[int, Hashable, int], dict[Hashable, list[int]]] = {}
    for item, value in enumerate(values):
        if value is None:
            continue
        key = (int(owner[item]), others[item], int(part[item]))
        found.setdefault(key, defaultdict(list))[value].append(item)
    return [
        DimensionGroup(owner=key[0], settings={value: tuple(items) for value, items in by_value.items()})
        for key, by_value in found.items()
        if len(by_value) >= 2
    ]


def dimension_effects(
    fit: VariantFit, groups: Sequence[DimensionGroup], order: Callable[[Hashable], Any] | None = None
) -> list[DimensionEffect]:
    """Within-model effects of a dimension, averaged over the models that ran both values.

    For each pair of values ``base < to`` (in `order`) met together in some
    group, the difference of the group's mean ratings at ``to`` and at
    ``base``, averaged over those groups with equal weight; the same in every
    bootstrap round gives the interval. A comparison inside one model and one
    connected part, all other stated values equal, is not confounded by which
    models ran which settings.

    Parameters
    ----------
    fit : VariantFit
        The fitted settings.
    groups : sequence of DimensionGroup
        From :func:`dimension_groups`.
    order : callable, optional
        Sort key of the values (default: the values themselves).

    Returns
    -------
    list of DimensionEffect
        One per pair of values, ``base`` before ``to`` in `order`.
    """
    key: Callable[[Hashable], Any] = order or _itself
    values = sorted({value for group in groups for value in group.settings}, key=key)
    effects = []
    rounds = fit.bootstrap.shape[0]
    for i, base in enumerate(values):
        for to in values[i + 1 :]:
            shared = [group for group in groups if base in group.settings and to in group.settings]
            if not shared:
                continue
            point = np.mean([_mean(fit.rating, g.settings[to]) - _mean(fit.rating, g.settings[base]) for g in shared])
            low = high = float("nan")
            if rounds:
                samples = np.mean(
                    [_mean(fit.bootstrap, g.settings[to]) - _mean(fit.bootstrap, g.settings[base]) for g in shared],
                    axis=0,
                )
                low, high = (float(q) for q in np.quantile(samples, _QUANTILES))
            owners = tuple(sorted({group.owner for group in shared}))
            effects.append(DimensionEffect(base, to, float(point), low, high, owners))
    return effects


def _itself(value: Hashable) -> Any:
    return value


def _mean(ratings: FloatArray, items: tuple[int, ...]) -> Any:
    """Mean rating of `items` (over the last axis: per bootstrap round for a 2-d array)."""
    return ratings[..., list(items)].mean(axis=-1)


# ---------------------------------------------------------------------------
# A task's variant board, as the site stores and serves it
# ---------------------------------------------------------------------------

DIMENSIONS: dict[str, str] = {
    "views": "input views",
    "thinking": "thinking",
    "prompt_type": "prompt type",
    "multi_turn": "single-shot or multi-turn",
}
"""The setting dimensions a variant board groups by, and how each is named."""

IMAGE_TASK = "image-to-3d"
_IGNORED = {"model", "task"}  # the same for every setting compared (one model, one task's board)


@dataclass(frozen=True)
class SettingInfo:
    """One setting (run folder) as the board names it: its model, label and stated values."""

    name: str
    model: str
    label: str
    task: str
    values: Mapping[str, Any]


def dimension_value(setting: SettingInfo, dimension: str) -> Hashable | None:
    """The setting's value of `dimension`; None when it does not state one.

    ``views`` applies to image-to-3D only (``"all"`` when every view was given);
    ``multi_turn`` is always stated; the others are what ``log.json`` says.
    """
    if dimension == "views":
        return (setting.values.get("views") or "all") if setting.task == IMAGE_TASK else None
    value = setting.values.get(dimension)
    if value is None or isinstance(value, (list, dict)):
        return None
    return bool(value) if dimension == "multi_turn" else value


def value_label(dimension: str, value: Hashable) -> str:
    """How a value reads: "1 view", "all views", "multi-turn", "thinking high"..."""
    if dimension == "views":
        return "all views" if value == "all" else f"{value} view{'' if value == 1 else 's'}"
    if dimension == "multi_turn":
        return "multi-turn" if value else "single-shot"
    if dimension == "thinking":
        return f"thinking {value}"
    return str(value)


def value_order(value: Hashable) -> tuple[int, float, str]:
    """Numbers (and False before True) first, ascending, then text; "all" views last."""
    if isinstance(value, (bool, int, float)):
        return (0, float(value), "")
    return (2 if value == "all" else 1, 0.0, str(value))


def _others(setting: SettingInfo, dimension: str) -> tuple[tuple[str, str], ...]:
    skip = _IGNORED | {dimension} | ({"max_images"} if dimension == "views" else set())
    return tuple(sorted((key, repr(value)) for key, value in setting.values.items() if key not in skip))


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def variant_board(
    settings: Sequence[SettingInfo],
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike,
    *,
    bootstrap: int = 1000,
    seed: int | None = 0,
    min_votes: int = 20,
) -> dict[str, Any]:
    """One task's variant board as plain JSON data: settings, per-model win matrices, dimension effects.

    Parameters
    ----------
    settings : sequence of SettingInfo
        The players; every one needs a counted battle.
    a, b, outcome, count : array_like of int
        Aggregated battles between settings (indices into `settings`).
    bootstrap, seed : int
        Bootstrap rounds and seed.
    min_votes : int
        Below this many battles a setting is provisional.

    Returns
    -------
    dict
        ``settings`` (rows, highest rating first), ``models`` (per model: its
        settings in that order, ``win_matrix`` cells with the predicted
        probability, interval and observed battles, and ``versus``: battles
        and win rate against each opponent model), ``dimensions`` (per
        dimension the matched groups and the effects), and ``n_votes``,
        ``parts``, ``mle_exists``, ``bootstrap``, ``seed``. Non-finite numbers
        are None.
    """
    count_ = np.asarray(count, dtype=np.int64)
    fit = fit_variants(len(settings), a, b, outcome, count_, bootstrap=bootstrap, seed=seed)
    order = sorted(range(len(settings)), key=lambda k: (-fit.rating[k], settings[k].name))
    owners = sorted({s.model for s in settings})
    owner = np.array([owners.index(s.model) for s in settings], dtype=np.int64)
    rows = [
        {
            "setting": settings[k].name,
            "model": settings[k].model,
            "label": settings[k].label,
            "values": dict(settings[k].values),
            "rating": _number(fit.rating[k]),
            "ci_low": _number(fit.ci_low[k]),
            "ci_high": _number(fit.ci_high[k]),
            "battles": int(fit.battles[k]),
            "wins": int(fit.wins[k]),
            "ties": int(fit.ties[k]),
            "bothbad": int(fit.bothbad[k]),
            "losses": int(fit.losses[k]),
            "win_rate": _number(fit.win_rate[k]),
            "part": int(fit.part[k]),
            "provisional": bool(fit.battles[k] < min_votes),
        }
        for k in order
    ]
    versus_battles, versus_rate = versus_owners(fit, owner, len(owners))
    models = {}
    for m, model in enumerate(owners):
        items = [k for k in order if owner[k] == m]
        p, low, high = win_probabilities(fit, items)
        matrix = [
            [
                None
                if i == j
                else {
                    "p": _number(p[i, j]),
                    "low": _number(low[i, j]),
                    "high": _number(high[i, j]),
                    "battles": int(fit.count_matrix[ki, kj]),
                    "observed": _number(fit.win_matrix[ki, kj]),
                }
                for j, kj in enumerate(items)
            ]
            for i, ki in enumerate(items)
        ]
        versus = [
            {
                "opponent": opponent,
                "battles": [int(versus_battles[k, o]) for k in items],
                "win_rate": [_number(versus_rate[k, o]) for k in items],
            }
            for o, opponent in enumerate(owners)
            if o != m and versus_battles[items, o].sum() > 0
        ]
        models[model] = {"settings": [settings[k].name for k in items], "win_matrix": matrix, "versus": versus}
    return {
        "bootstrap": bootstrap,
        "seed": seed,
        "n_votes": int(count_.sum()),
        "parts": int(fit.part.max()) + 1 if len(settings) else 0,
        "mle_exists": fit.mle_exists,
        "settings": rows,
        "models": models,
        "dimensions": [_dimension(fit, settings, owners, owner, name) for name in DIMENSIONS],
    }


def _dimension(
    fit: VariantFit, settings: Sequence[SettingInfo], owners: list[str], owner: IntArray, dimension: str
) -> dict[str, Any]:
    values = [dimension_value(s, dimension) for s in settings]
    others = [_others(s, dimension) for s in settings]
    groups = dimension_groups(owner.tolist(), values, others, fit.part.tolist())
    stated = sorted({v for group in groups for v in group.settings}, key=value_order)
    return {
        "dimension": dimension,
        "label": DIMENSIONS[dimension],
        "values": [value_label(dimension, v) for v in stated],
        "groups": [
            {
                "model": owners[group.owner],
                "settings": {
                    value_label(dimension, v): [settings[k].name for k in group.settings[v]]
                    for v in stated
                    if v in group.settings
                },
                "ratings": {
                    value_label(dimension, v): _number(_mean(fit.rating, group.settings[v]))
                    for v in stated
                    if v in group.settings
                },
            }
            for group in groups
        ],
        "effects": [
            {
                "base": value_label(dimension, effect.base),
                "to": value_label(dimension, effect.to),
                "difference": _number(effect.difference),
                "low": _number(effect.low),
                "high": _number(effect.high),
                "models": [owners[o] for o in effect.owners],
            }
            for effect in dimension_effects(fit, groups, order=value_order)
        ],
    }
