"""Agreement between automatic metrics and human preference, with bootstrap intervals.

Pure NumPy/SciPy (no Django). Two levels:

- **model level**: Pearson r, Spearman rho and Kendall tau-b between the
  models' Bradley–Terry ratings and their metric means (conditional or
  penalised, computed by :func:`metrics.aggregate.model_means`). Each bootstrap round
  resamples the votes (ratings refitted) *and* each model's assets (means
  recomputed), so an interval reflects both sources of noise;
- **vote level**: for every decided vote (A or B better), does the metric
  prefer the same asset? Accuracy and Cohen's kappa, with intervals from
  resampling the votes; and the same for two annotators who voted on the
  same asset pair (the ceiling a metric can reach).

Every metric is *oriented* before it is correlated: a lower-is-better metric
has its sign flipped, so a positive coefficient always means agreement.

Conventions
-----------
- Per-asset values are float arrays with ``NaN`` for a failure (the script
  did not run, or the metric is undefined for the asset) and a boolean
  ``present`` mask that is false where the value is simply unknown (not
  computed); unknown assets take no part in any mean.
- Intervals are percentile intervals (2.5% and 97.5%) over the rounds where
  the statistic is defined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

COEFFICIENTS = ("pearson", "spearman", "kendall")
# Fewer models than this leave every coefficient undefined: two points always
# correlate perfectly, which says nothing.
MIN_MODELS = 3
AGGREGATIONS = ("conditional", "penalised")
LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A statistic with its bootstrap interval.

    Attributes
    ----------
    value : float or None
        Point estimate on the full data; ``None`` when undefined.
    low, high : float or None
        Percentile interval bounds; ``None`` when no round defined it.
    rounds : int
        Bootstrap rounds in which the statistic was defined.
    """

    value: float | None
    low: float | None
    high: float | None
    rounds: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finite_or_none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def estimate(value: float, boot: ArrayLike, level: float = LEVEL) -> Estimate:
    """Point estimate and percentile interval of the finite bootstrap values."""
    draws = np.asarray(boot, dtype=np.float64)
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return Estimate(_finite_or_none(value), None, None, 0)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return Estimate(_finite_or_none(value), float(low), float(high), int(draws.size))


# ---------------------------------------------------------------------------
# Correlation coefficients, many rounds at once
# ---------------------------------------------------------------------------


def _pearson_rows(x: FloatArray, y: FloatArray) -> FloatArray:
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    den = np.sqrt((xc * xc).sum(axis=1) * (yc * yc).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc * yc).sum(axis=1) / den
    r[~(den > 1e-300)] = np.nan  # a constant row has no correlation
    return np.clip(r, -1.0, 1.0)


def _kendall_rows(x: FloatArray, y: FloatArray) -> FloatArray:
    i, j = np.triu_indices(x.shape[1], k=1)
    sx = np.sign(x[:, i] - x[:, j])
    sy = np.sign(y[:, i] - y[:, j])
    den = np.sqrt((sx * sx).sum(axis=1) * (sy * sy).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (sx * sy).sum(axis=1) / den
    tau[den == 0] = np.nan
    return tau


def coefficient_rows(x: ArrayLike, y: ArrayLike, coefficient: str) -> FloatArray:
    """One correlation coefficient per row of ``x`` and ``y``.

    Parameters
    ----------
    x, y : array_like, shape (rounds, n)
        Paired samples, one round per row. A row with a NaN gives NaN.
    coefficient : {"pearson", "spearman", "kendall"}
        Kendall's is tau-b (ties counted as in :func:`scipy.stats.kendalltau`).

    Returns
    -------
    numpy.ndarray, shape (rounds,)
    """
    xa = np.atleast_2d(np.asarray(x, dtype=np.float64))
    ya = np.atleast_2d(np.asarray(y, dtype=np.float64))
    if xa.shape != ya.shape:
        raise ValueError(f"x and y differ in shape: {xa.shape} vs {ya.shape}")
    out = np.full(xa.shape[0], np.nan)
    if xa.shape[1] < MIN_MODELS:
        return out
    ok = np.isfinite(xa).all(axis=1) & np.isfinite(ya).all(axis=1)
    if not ok.any():
        return out
    xs, ys = xa[ok], ya[ok]
    if coefficient == "pearson":
        out[ok] = _pearson_rows(xs, ys)
    elif coefficient == "spearman":
        out[ok] = _pearson_rows(rankdata(xs, axis=1), rankdata(ys, axis=1))
    elif coefficient == "kendall":
        out[ok] = _kendall_rows(xs, ys)
    else:
        raise ValueError(f"unknown coefficient {coefficient!r} (known: {', '.join(COEFFICIENTS)})")
    return out


def coefficient(x: ArrayLike, y: ArrayLike, name: str) -> float | None:
    """One correlation coefficient of two samples; ``None`` when undefined."""
    return _finite_or_none(coefficient_rows(np.asarray(x)[None], np.asarray(y)[None], name)[0])


def correlations(
    x: ArrayLike, y: ArrayLike, boot_x: ArrayLike, boot_y: ArrayLike, level: float = LEVEL
) -> dict[str, Estimate]:
    """Pearson, Spearman and Kendall between ``x`` and ``y`` with bootstrap intervals.

    Columns (models) where a point value is missing (NaN) are left out of the
    point estimate and of every round; a round in which a kept column is NaN
    (e.g. a model whose resampled assets all failed) counts as undefined.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Point values, e.g. ratings and oriented metric means.
    boot_x, boot_y : array_like, shape (rounds, n)
        The same quantities in each bootstrap round (paired by row).

    Returns
    -------
    dict
        ``{"pearson": Estimate, "spearman": Estimate, "kendall": Estimate}``.
    """
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(xa) & np.isfinite(ya)
    bx = np.asarray(boot_x, dtype=np.float64).reshape(-1, xa.size)[:, keep]
    by = np.asarray(boot_y, dtype=np.float64).reshape(-1, ya.size)[:, keep]
    out = {}
    for name in COEFFICIENTS:
        point = coefficient_rows(xa[keep][None], ya[keep][None], name)[0]
        out[name] = estimate(point, coefficient_rows(bx, by, name), level)
    return out


# ---------------------------------------------------------------------------
# Model-level means of per-asset values
# ---------------------------------------------------------------------------


def resample_indices(sizes: Sequence[int], rounds: int, rng: np.random.Generator) -> list[IntArray]:
    """For each group (a model's assets), ``(rounds, size)`` indices drawn with replacement."""
    return [rng.integers(0, size, size=(rounds, size)) if size else np.zeros((rounds, 0), np.int64) for size in sizes]


def orient(values: ArrayLike, higher_is_better: bool) -> FloatArray:
    """Flip the sign of a lower-is-better metric so that higher always means better."""
    arr = np.asarray(values, dtype=np.float64)
    return arr if higher_is_better else -arr


# ---------------------------------------------------------------------------
# Vote-level agreement
# ---------------------------------------------------------------------------


def cohen_kappa(table: ArrayLike) -> float | None:
    """Cohen's kappa of a square contingency table (rater 1 by row, rater 2 by column).

    ``kappa = (p_o - p_e) / (1 - p_e)``; ``None`` when ``p_e == 1`` (both
    raters always gave the same single answer) or the table is empty.
    """
    t = np.asarray(table, dtype=np.float64)
    total = t.sum()
    if total <= 0:
        return None
    p_o = np.trace(t) / total
    p_e = float((t.sum(axis=1) / total) @ (t.sum(axis=0) / total))
    if p_e >= 1.0 - 1e-12:
        return None
    return float((p_o - p_e) / (1.0 - p_e))


def _kappa_rows(n00: FloatArray, n01: FloatArray, n10: FloatArray, n11: FloatArray) -> FloatArray:
    total = n00 + n01 + n10 + n11
    with np.errstate(invalid="ignore", divide="ignore"):
        p_o = (n00 + n11) / total
        p_e = ((n00 + n01) * (n00 + n10) + (n10 + n11) * (n01 + n11)) / (total * total)
        kappa = (p_o - p_e) / (1.0 - p_e)
    kappa[(total <= 0) | (p_e >= 1.0 - 1e-12)] = np.nan
    return kappa


def metric_choice(value_a: ArrayLike, value_b: ArrayLike, higher_is_better: bool) -> IntArray:
    """Which asset of each pair the metric prefers: 0 (A), 1 (B) or -1 (no preference).

    A failure (NaN) loses against any value; two failures, or two equal
    values, give no preference.
    """
    a = orient(value_a, higher_is_better)
    b = orient(value_b, higher_is_better)
    a = np.where(np.isnan(a), -np.inf, a)
    b = np.where(np.isnan(b), -np.inf, b)
    choice = np.where(a > b, 0, np.where(b > a, 1, -1))
    return choice.astype(np.int64)


def vote_weights(n_votes: int, rounds: int, rng: np.random.Generator) -> FloatArray:
    """Bootstrap multiplicities of ``n_votes`` items: ``(rounds, n_votes)``, each row summing to ``n_votes``."""
    if n_votes == 0:
        return np.zeros((rounds, 0))
    # Draw indices and count them: the same multinomial, far faster than rng.multinomial for many items.
    picks = rng.integers(0, n_votes, size=(rounds, n_votes)) + n_votes * np.arange(rounds)[:, None]
    return np.bincount(picks.ravel(), minlength=rounds * n_votes).reshape(rounds, n_votes).astype(np.float64)


def agreement(
    first: ArrayLike,
    second: ArrayLike,
    weights: ArrayLike | None = None,
    level: float = LEVEL,
    *,
    symmetric: bool = False,
) -> dict[str, Any]:
    """Agreement of two binary raters, counted where both express a choice.

    Parameters
    ----------
    first, second : array_like of int
        Choices 0 or 1 per item; -1 where that rater has no preference.
    weights : array_like, shape (rounds, n), optional
        Bootstrap multiplicities of the items (see :func:`vote_weights`).
    symmetric : bool, optional
        The labels 0 and 1 are arbitrary (e.g. two annotators' choices
        between two assets with no natural order): kappa is computed on the
        table plus its label-swapped copy, so it does not depend on which
        asset was called 0 (it is then ``2 * accuracy - 1``).

    Returns
    -------
    dict
        ``accuracy`` and ``kappa`` (as :class:`Estimate` dicts), ``n`` items
        where both chose, ``n_total`` items, ``coverage`` = n / n_total, and
        ``table`` (2x2 counts, first rater by row).
    """
    f, s = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    both = (f >= 0) & (s >= 0)
    cells = [((f == i) & (s == j) & both).astype(np.float64) for i in (0, 1) for j in (0, 1)]
    table = np.array([[cells[0].sum(), cells[1].sum()], [cells[2].sum(), cells[3].sum()]])
    n = int(both.sum())
    accuracy_point = (table[0, 0] + table[1, 1]) / n if n else np.nan
    kappa_point = cohen_kappa(table + table[::-1, ::-1] if symmetric else table)
    if weights is None:
        w = np.zeros((0, f.size))
    else:
        w = np.asarray(weights, dtype=np.float64)
    counts = [w @ c for c in cells]
    total = counts[0] + counts[1] + counts[2] + counts[3]
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy_boot = (counts[0] + counts[3]) / total
    if symmetric:
        counts = [counts[0] + counts[3], counts[1] + counts[2], counts[2] + counts[1], counts[3] + counts[0]]
    kappa_boot = _kappa_rows(*counts)
    return {
        "accuracy": estimate(accuracy_point, accuracy_boot, level).as_dict(),
        "kappa": estimate(np.nan if kappa_point is None else kappa_point, kappa_boot, level).as_dict(),
        "n": n,
        "n_total": int(f.size),
        "coverage": n / f.size if f.size else None,
        "table": table.astype(int).tolist(),
    }


def repeated_pairs(pair_keys: Sequence[Any], raters: Sequence[Any], choices: ArrayLike) -> tuple[IntArray, IntArray]:
    """Pairs of decisions by different raters on the same item, for human–human agreement.

    Parameters
    ----------
    pair_keys : sequence
        The item each decision is about (e.g. the unordered asset pair), in
        chronological order.
    raters : sequence
        Who decided.
    choices : array_like of int
        The decision, 0 or 1, expressed in the item's own frame (e.g. "chose
        the asset with the smaller id"), so that decisions are comparable.

    Returns
    -------
    first, second : numpy.ndarray of int
        For every two decisions on the same item by different raters (each
        such couple once, earlier one first), their choices.
    """
    by_item: dict[Any, list[tuple[Any, int]]] = {}
    ch = np.asarray(choices, dtype=np.int64)
    for key, rater, choice in zip(pair_keys, raters, ch, strict=True):
        by_item.setdefault(key, []).append((rater, int(choice)))
    first, second = [], []
    for decisions in by_item.values():
        for i in range(len(decisions)):
            for j in range(i + 1, len(decisions)):
                if decisions[i][0] != decisions[j][0]:
                    first.append(decisions[i][1])
                    second.append(decisions[j][1])
    return np.array(first, dtype=np.int64), np.array(second, dtype=np.int64)
