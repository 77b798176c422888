"""Bradley–Terry ratings on the Elo scale, with bootstrap intervals.

This module is pure (numpy, scipy; no Django) and follows the chat arena's
conventions for pairwise "battles". A battle is ``(model_a, model_b, winner)``
with ``winner`` one of :data:`WINNERS`::

    "model_a", "model_b", "tie", "tie (bothbad)"

The model is Bradley–Terry on the Elo scale (base 10, scale 400)::

    P(A beats B) = 1 / (1 + 10 ** ((R_B - R_A) / 400))

fitted by maximum likelihood. A tie and a both-bad vote each count as half a
win for either side unless excluded. Ratings are centred so that their mean is
1000, or shifted so that one named model sits at a given rating.

Public API
----------
Battle data (names to indices):

- :class:`Battles` -- battles in order, ``Battles.from_records(records)``.
- :class:`BattleCounts` -- aggregated ``(a, b, outcome, count)`` rows, e.g.
  from one SQL ``GROUP BY``; ``Battles.counts()`` builds one.
- :func:`read_battles` -- read a JSON list or JSON-lines file.

Leaderboard (what the web side calls):

- :func:`fit_leaderboard` -- returns a :class:`Leaderboard` with ``rows``,
  ``models``, ``win_matrix`` and ``count_matrix``.

Array functions (choix style: ``n_items`` and integer arrays in, arrays out):

- :func:`aggregate` -- battles to unique ``(a, b, outcome, count)`` rows.
- :func:`fit_counts` -- everything above from counts, as a :class:`RatingFit`.
- :func:`mle_strengths` -- maximum-likelihood strengths (natural log scale).
- :func:`bootstrap_strengths` -- strengths of bootstrap resamples.
- :func:`elo_scale` -- strengths to centred or anchored Elo-scale ratings.
- :func:`interval_ranks` -- ranks from confidence intervals.
- :func:`online_elo` -- the sequential Elo rating (K = 4).
- :func:`win_matrices` -- pairwise win fractions and battle counts.
- :func:`model_totals` -- battles, wins, ties, both-bad and losses per item.
- :func:`mle_exists` -- whether the unregularised estimate is finite.
- :func:`bt_objective` -- the negative log-likelihood and its gradient.

Controlled for complexity (per-battle covariates, the chat arena's style control):

- :func:`fit_controlled` -- a :class:`ControlledBoard` from battles with features.
- :func:`feature_contrasts` -- the normalised per-battle contrasts.

Command line: ``python -m leaderboard.rating BATTLES.json`` (see :func:`main`).

Outcome codes used by the array functions are the positions in
:data:`WINNERS`: ``A_WINS = 0``, ``B_WINS = 1``, ``TIE = 2``, ``BOTH_BAD = 3``.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import functools
import io
import json
import math
import operator
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

# scipy is imported where it is used (L-BFGS, the controlled fit): the command
# line's plain board does not need it, and importing it costs half a second.

__all__ = [
    "A_WINS",
    "B_WINS",
    "BOTH_BAD",
    "TIE",
    "WINNERS",
    "BattleCounts",
    "BattleFormatError",
    "Battles",
    "Leaderboard",
    "RatingFit",
    "aggregate",
    "bootstrap_strengths",
    "bt_objective",
    "elo_scale",
    "fit_counts",
    "fit_leaderboard",
    "interval_ranks",
    "main",
    "mle_exists",
    "mle_strengths",
    "model_totals",
    "online_elo",
    "read_battles",
    "win_matrices",
]

WINNERS: tuple[str, str, str, str] = ("model_a", "model_b", "tie", "tie (bothbad)")
A_WINS, B_WINS, TIE, BOTH_BAD = 0, 1, 2, 3

ELO_BASE = 10.0
ELO_SCALE = 400.0
ELO_INIT = 1000.0
ELO_K = 4.0
# Natural-log strength to Elo points: R = ELO_FACTOR * theta.
ELO_FACTOR = ELO_SCALE / math.log(ELO_BASE)

# Convergence of the fits, on the per-battle (mean) objective.
GRADIENT_TOL = 1e-10
NEWTON_MAX_ITER = 50
NEWTON_MAX_STEP = 2.0  # natural-log units (about 350 rating points)
NEWTON_FULL_STEP = 0.25  # steps up to this size skip the line search
LBFGS_MAX_ITER = 10_000
# Rounds are resampled in fixed blocks, each with its own child seed, so the
# result does not depend on how many threads ran them.
SEED_BLOCK = 50

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
Anchor = tuple[int, float]


class BattleFormatError(ValueError):
    """A battle record that cannot be read.

    Attributes
    ----------
    source : str or None
        File name, when read from a file.
    line : int
        Line number in the file, or the 1-based record number.
    reason : str
        What is wrong with it.
    """

    def __init__(self, reason: str, *, line: int, source: str | None = None):
        self.source, self.line, self.reason = source, line, reason
        where = f"{source}:{line}" if source else f"record {line}"
        super().__init__(f"{where}: {reason}")


# ---------------------------------------------------------------------------
# Array functions
# ---------------------------------------------------------------------------


def _as_int(x: ArrayLike, name: str) -> IntArray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError(f"{name} must hold integers")
    return arr.astype(np.int64, copy=False)


def _check_rows(
    n_items: int, a: ArrayLike, b: ArrayLike, outcome: ArrayLike, count: ArrayLike | None
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    a_, b_, o_ = _as_int(a, "a"), _as_int(b, "b"), _as_int(outcome, "outcome")
    c_ = np.ones(a_.size, np.int64) if count is None else _as_int(count, "count")
    if not a_.size == b_.size == o_.size == c_.size:
        raise ValueError("a, b, outcome and count must have the same length")
    if a_.size:
        if min(a_.min(), b_.min()) < 0 or max(a_.max(), b_.max()) >= n_items:
            raise ValueError(f"item indices must lie in [0, {n_items})")
        if np.any(a_ == b_):
            raise ValueError("an item cannot battle itself (a == b)")
        if o_.min() < 0 or o_.max() > BOTH_BAD:
            raise ValueError("outcome codes must be 0 (a wins), 1 (b wins), 2 (tie), 3 (both bad)")
        if c_.min() < 0:
            raise ValueError("counts must be non-negative")
    return a_, b_, o_, c_


def _kept(
    a: IntArray, b: IntArray, o: IntArray, c: IntArray, exclude_ties: bool, exclude_bothbad: bool
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    keep = c > 0
    if exclude_ties:
        keep &= o != TIE
    if exclude_bothbad:
        keep &= o != BOTH_BAD
    return a[keep], b[keep], o[keep], c[keep]


def aggregate(
    n_items: int, a: ArrayLike, b: ArrayLike, outcome: ArrayLike, count: ArrayLike | None = None
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Aggregate battles to unique ``(a, b, outcome)`` rows with counts.

    Parameters
    ----------
    n_items : int
        Number of distinct items.
    a, b : array_like of int
        Items on side A and side B of each battle.
    outcome : array_like of int
        Outcome codes (positions in :data:`WINNERS`).
    count : array_like of int, optional
        Multiplicity of each row (default one battle per row).

    Returns
    -------
    a, b, outcome, count : numpy.ndarray
        Unique rows, sorted by ``(a, b, outcome)``, with their total counts.
    """
    a_, b_, o_, c_ = _check_rows(n_items, a, b, outcome, count)
    key = (a_ * n_items + b_) * 4 + o_
    n_keys = n_items * n_items * 4
    if n_keys <= max(4 * key.size, 1 << 20):
        totals = np.bincount(key, weights=c_, minlength=n_keys).astype(np.int64)
        uniq = np.flatnonzero(totals)
        cnt = totals[uniq]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
        cnt = np.bincount(inverse, weights=c_, minlength=uniq.size).astype(np.int64)
        uniq, cnt = uniq[cnt > 0], cnt[cnt > 0]
    pair, o_u = np.divmod(uniq, 4)
    a_u, b_u = np.divmod(pair, n_items)
    return a_u, b_u, o_u, cnt


@dataclass(frozen=True)
class _Cells:
    """Sufficient statistics of a data set for Bradley–Terry.

    Battles are merged into cells by unordered pair ``(i < j)`` and result
    (``i`` wins, ``j`` wins, or a tie of either kind): merging cells with the
    same effect on the likelihood leaves a multinomial resample unchanged in
    distribution.
    """

    n_items: int
    pair_i: IntArray  # (P,) smaller item of each compared pair
    pair_j: IntArray  # (P,)
    cell_pair: IntArray  # (K,) pair of each cell, sorted
    cell_score: FloatArray  # (K,) credit of pair_i for one battle: 1, 0 or 0.5
    cell_count: IntArray  # (K,)

    @property
    def n_battles(self) -> int:
        return int(self.cell_count.sum())

    def pair_stats(self, counts: NDArray[Any]) -> tuple[FloatArray, FloatArray]:
        """Wins of ``pair_i`` and battles per pair for cell counts (..., K)."""
        counts = np.asarray(counts, dtype=np.float64)
        starts = np.flatnonzero(np.r_[True, np.diff(self.cell_pair) != 0])
        totals = np.add.reduceat(counts, starts, axis=-1)
        wins = np.add.reduceat(counts * self.cell_score, starts, axis=-1)
        return wins, totals


def _cells(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike | None,
    exclude_ties: bool,
    exclude_bothbad: bool,
) -> _Cells:
    a_, b_, o_, c_ = _kept(*_check_rows(n_items, a, b, outcome, count), exclude_ties, exclude_bothbad)
    i, j = np.minimum(a_, b_), np.maximum(a_, b_)
    # result: 0 = i wins, 1 = j wins, 2 = tie of either kind
    a_won = o_ == A_WINS
    b_won = o_ == B_WINS
    result = np.where(a_won | b_won, np.where(a_won == (a_ == i), 0, 1), 2)
    ai, bi, ri, cnt = aggregate(n_items, i, j, result, c_)
    pair_key = ai * n_items + bi
    pairs, cell_pair = np.unique(pair_key, return_inverse=True)
    score = np.array([1.0, 0.0, 0.5])[ri]
    return _Cells(n_items, pairs // n_items, pairs % n_items, cell_pair, score, cnt)


def bt_objective(
    params: ArrayLike,
    pairs_i: ArrayLike,
    pairs_j: ArrayLike,
    wins_i: ArrayLike,
    totals: ArrayLike,
    alpha: float = 0.0,
) -> tuple[float, FloatArray]:
    """Negative log-likelihood of Bradley–Terry and its gradient.

    With ``d = params[i] - params[j]`` and ``p = 1 / (1 + exp(-d))``, the value
    is ``sum(-w log p - (n - w) log(1 - p)) + alpha * sum(params ** 2)``, where
    ``w`` may be fractional (a tie adds 0.5). The penalty matches choix's
    ``alpha``.

    Parameters
    ----------
    params : array_like of float
        Strengths on the natural log scale, shape (n_items,).
    pairs_i, pairs_j : array_like of int
        The two items of each compared pair.
    wins_i : array_like of float
        Wins of ``pairs_i`` (ties counted as 0.5).
    totals : array_like of float
        Battles in each pair.
    alpha : float, optional
        L2 regularisation strength.

    Returns
    -------
    value : float
        The objective.
    grad : numpy.ndarray
        Its gradient with respect to ``params``.
    """
    theta = np.asarray(params, dtype=np.float64)
    i, j = np.asarray(pairs_i), np.asarray(pairs_j)
    w, n = np.asarray(wins_i, dtype=np.float64), np.asarray(totals, dtype=np.float64)
    d = theta[i] - theta[j]
    value = float(np.sum(n * np.logaddexp(0.0, -d) + (n - w) * d) + alpha * theta @ theta)
    g_d = n * _expit(d) - w
    size = theta.size
    grad = np.bincount(i, g_d, minlength=size) - np.bincount(j, g_d, minlength=size)
    return value, grad + 2.0 * alpha * theta


def _expit(x: NDArray[Any]) -> FloatArray:
    """The logistic function ``1 / (1 + exp(-x))`` (scipy's ``expit``, without importing scipy)."""
    out = np.negative(x, dtype=np.float64)
    with np.errstate(over="ignore"):  # exp overflows to inf: the value is 0, as it should be
        np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def _lbfgs(cells: _Cells, wins: FloatArray, totals: FloatArray, alpha: float, init: FloatArray) -> FloatArray:
    from scipy.optimize import minimize

    scale = max(float(totals.sum()), 1.0)  # per-battle objective: tolerances do not grow with n

    def fun(theta: FloatArray) -> tuple[float, FloatArray]:
        value, grad = bt_objective(theta, cells.pair_i, cells.pair_j, wins, totals, alpha)
        return value / scale, grad / scale

    res = minimize(
        fun,
        init,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": LBFGS_MAX_ITER, "gtol": GRADIENT_TOL, "ftol": 0.0, "maxcor": 20},
    )
    return np.asarray(res.x, dtype=np.float64)


def _newton_batch(
    cells: _Cells,
    wins: FloatArray,
    totals: FloatArray,
    alpha: float,
    init: FloatArray,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Damped Newton on many data sets at once (one per row of ``wins``).

    Returns the strengths, shape (R, n), and which rows converged.
    """
    n = cells.n_items
    i, j = cells.pair_i, cells.pair_j
    rounds = wins.shape[0]
    scale = np.maximum(totals.sum(axis=1, keepdims=True), 1.0)
    w, t = wins / scale, totals / scale  # per-battle objective
    a = alpha / scale  # (R, 1)
    # Start centred: the optimum has mean zero (with alpha > 0 as well), and
    # the gauge term below then leaves the mean of every iterate at zero.
    start = np.asarray(init, dtype=np.float64)
    theta = np.array(np.broadcast_to(start - start.mean(), (rounds, n)))
    done = np.zeros(rounds, dtype=bool)
    diag = np.arange(n)
    # Gauge fix (ratings are defined up to a shift when alpha == 0) and a tiny
    # ridge that keeps items without battles in a resample where they are.
    fix = np.full((n, n), 1.0 / n) + 1e-12 * np.eye(n)

    def loss(th: FloatArray, rows: IntArray) -> FloatArray:
        d = th[:, i] - th[:, j]
        tt, ww = t[rows], w[rows]
        value = np.sum(tt * np.logaddexp(0.0, -d) + (tt - ww) * d, axis=1)
        return value + a[rows, 0] * np.sum(th * th, axis=1)

    flat_ij, flat_ji, flat_diag = i * n + j, j * n + i, diag * (n + 1)
    for _ in range(NEWTON_MAX_ITER):
        rows = np.flatnonzero(~done)
        if rows.size == 0:
            break
        th = theta[rows]
        p = _expit(th[:, i] - th[:, j])
        g_d = t[rows] * p - w[rows]
        mat = np.zeros((rows.size, n * n))
        mat[:, flat_ij] = g_d
        mat3 = mat.reshape(rows.size, n, n)
        grad = mat3.sum(axis=2) - mat3.sum(axis=1) + 2.0 * a[rows] * th
        converged = np.max(np.abs(grad), axis=1) <= GRADIENT_TOL
        done[rows[converged]] = True
        keep = ~converged
        if not keep.any():
            break
        rows, th, grad, p = rows[keep], th[keep], grad[keep], p[keep]
        h = t[rows] * p * (1.0 - p)
        hess = np.zeros((rows.size, n * n))
        hess[:, flat_ij] = -h
        hess[:, flat_ji] = -h
        hess3 = hess.reshape(rows.size, n, n)
        hess[:, flat_diag] = -hess3.sum(axis=2) + 2.0 * a[rows]
        hess3 += fix
        try:
            step = -np.linalg.solve(hess3, grad[..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        # Cap the step (a trust region in strength units). Short steps are
        # taken in full (Newton's local regime); longer ones backtrack until
        # the objective decreases.
        big = np.max(np.abs(step), axis=1)
        step *= np.minimum(1.0, NEWTON_MAX_STEP / np.maximum(big, 1e-300))[:, None]
        lam = np.ones(rows.size)
        far = np.flatnonzero(big > NEWTON_FULL_STEP)
        if far.size:
            old = loss(th[far], rows[far])
            for _ in range(40):
                new = loss(th[far] + lam[far, None] * step[far], rows[far])
                worse = ~(new <= old)
                if not worse.any():
                    break
                lam[far[worse]] *= 0.5
        theta[rows] = th + lam[:, None] * step
    return theta, done


def _fit_many(cells: _Cells, wins: FloatArray, totals: FloatArray, alpha: float, init: FloatArray) -> FloatArray:
    """Fit each row of ``wins``/``totals``: batched Newton, L-BFGS fallback."""
    theta, done = _newton_batch(cells, wins, totals, alpha, init)
    for r in np.flatnonzero(~done):
        theta[r] = _lbfgs(cells, wins[r], totals[r], alpha, init)
    return theta


def _strengths(cells: _Cells, alpha: float) -> FloatArray:
    wins, totals = cells.pair_stats(cells.cell_count)
    # Damped Newton from zero converges in a few steps whenever the estimate is
    # finite; otherwise L-BFGS runs to its tolerance, polished by Newton where it can.
    theta, ok = _newton_batch(cells, wins[None], totals[None], alpha, np.zeros(cells.n_items))
    if ok[0]:
        return theta[0] - theta[0].mean()
    theta = _lbfgs(cells, wins, totals, alpha, np.zeros(cells.n_items))
    polished, ok = _newton_batch(cells, wins[None], totals[None], alpha, theta)
    if ok[0]:
        theta = polished[0]
    return theta - theta.mean()


def _require_battles(cells: _Cells) -> None:
    seen = np.zeros(cells.n_items, dtype=bool)
    seen[cells.pair_i] = True
    seen[cells.pair_j] = True
    if not seen.all():
        missing = np.flatnonzero(~seen)
        raise ValueError(f"items without battles cannot be rated: {missing.tolist()}")


def mle_strengths(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike | None = None,
    *,
    exclude_ties: bool = False,
    exclude_bothbad: bool = False,
    alpha: float = 0.0,
) -> FloatArray:
    """Maximum-likelihood Bradley–Terry strengths.

    Parameters
    ----------
    n_items : int
        Number of items; every item needs at least one counted battle.
    a, b, outcome : array_like of int
        Battles (or unique rows, see ``count``); outcome codes as in
        :data:`WINNERS`.
    count : array_like of int, optional
        Multiplicity of each row.
    exclude_ties, exclude_bothbad : bool, optional
        Drop ``tie`` and/or ``tie (bothbad)`` battles; otherwise each counts
        as half a win for either side.
    alpha : float, optional
        L2 regularisation, as in choix (penalty ``alpha * sum(theta ** 2)``).

    Returns
    -------
    strengths : numpy.ndarray
        Natural-log-scale strengths with mean zero, shape (n_items,).
        ``P(i beats j) = 1 / (1 + exp(strengths[j] - strengths[i]))``.
    """
    cells = _cells(n_items, a, b, outcome, count, exclude_ties, exclude_bothbad)
    _require_battles(cells)
    return _strengths(cells, alpha)


def multinomial_counts(rng: np.random.Generator, n: int, pvals: ArrayLike, size: int) -> IntArray:
    """Draw ``size`` multinomial vectors of ``n`` trials: the same law as ``rng.multinomial``, cheaper.

    A multinomial draw by conditional binomials costs one binomial per cell. Here
    each cell gets an independent Poisson count with mean ``m * p`` for a total
    ``m`` a little below ``n`` (``n - 2 sqrt(n)``). Given their sum ``s``, such
    counts are multinomial with ``s`` trials, so a round whose sum exceeds ``n``
    is drawn again (about one in forty), and the ``n - s`` trials still missing
    (about ``2 sqrt(n)``) are drawn one by one from ``pvals`` and added: the
    result is exactly multinomial with ``n`` trials.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Trials per draw.
    pvals : array_like of float
        Cell probabilities (non-negative, normalised here).
    size : int
        Number of draws.

    Returns
    -------
    counts : numpy.ndarray of int
        Shape (size, len(pvals)); every row sums to ``n``.
    """
    p = np.asarray(pvals, dtype=np.float64)
    if n < 0 or p.ndim != 1 or p.size == 0 or not np.all(p >= 0) or not p.sum() > 0:
        raise ValueError("need n >= 0 and a non-empty vector of non-negative probabilities")
    cumulative = np.cumsum(p)
    cumulative /= cumulative[-1]  # the last is exactly 1.0
    p = np.diff(cumulative, prepend=0.0)
    mean_total = max(n - 2.0 * math.sqrt(n), 0.0)
    if mean_total > 0:
        lam = p * mean_total
        counts = rng.poisson(lam, size=(size, p.size))
        totals = counts.sum(axis=1)
        over = np.flatnonzero(totals > n)
        while over.size:
            counts[over] = rng.poisson(lam, size=(over.size, p.size))
            totals[over] = counts[over].sum(axis=1)
            over = over[totals[over] > n]
    else:
        counts = np.zeros((size, p.size), dtype=np.int64)
        totals = np.zeros(size, dtype=np.int64)
    missing = n - totals
    cells = _categorical(cumulative, rng.random(int(missing.sum())))
    rows = np.repeat(np.arange(size), missing)
    counts += np.bincount(rows * p.size + cells, minlength=size * p.size).reshape(size, p.size)
    return counts.astype(np.int64, copy=False)


def _categorical(cumulative: FloatArray, u: FloatArray) -> IntArray:
    """``searchsorted(cumulative, u, side="right")`` for many ``u`` in [0, 1), by a guide table.

    ``cumulative`` is non-decreasing and ends at 1. Entry ``j`` of the guide is
    the answer for ``j / K``; each ``u`` starts at its guide entry and steps
    forward to its answer (about one step on average).
    """
    k = cumulative.size
    grid = np.arange(k) / k
    guide = np.searchsorted(cumulative, grid, side="right")
    j = np.minimum((u * k).astype(np.intp), k - 1)
    j -= grid[j] > u  # u * k may round up across a grid point
    cells = np.minimum(guide[j], k - 1)
    todo = np.flatnonzero(cumulative[cells] <= u)
    while todo.size:  # the last cell's bound is 1 > u: the loop ends there at the latest
        cells[todo] += 1
        todo = todo[(cells[todo] < k - 1) & (cumulative[cells[todo]] <= u[todo])]
    return cells


def _bootstrap(
    cells: _Cells,
    rounds: int,
    seed: int | None,
    alpha: float,
    init: FloatArray,
    workers: int | None,
) -> FloatArray:
    n_battles = cells.n_battles
    n_pairs = cells.pair_i.size
    # Cells laid out as (pair, result) with result 0 = i wins, 1 = j wins,
    # 2 = tie: a resample's wins and totals per pair are then sums over a
    # small last axis. Results that never happened have probability zero.
    result = np.where(cells.cell_score == 1.0, 0, np.where(cells.cell_score == 0.0, 1, 2))
    pvals = np.zeros(n_pairs * 3)
    pvals[cells.cell_pair * 3 + result] = cells.cell_count / n_battles
    n_blocks = -(-rounds // SEED_BLOCK)
    seeds = np.random.SeedSequence(seed).spawn(n_blocks)
    # Keep each Newton batch to a few tens of megabytes.
    per_round = max(cells.n_items**2, n_pairs, 1)
    batch = int(max(1, min(SEED_BLOCK, 4_000_000 // per_round)))

    def block(k: int) -> FloatArray:
        size = min(SEED_BLOCK, rounds - k * SEED_BLOCK)
        counts = multinomial_counts(np.random.default_rng(seeds[k]), n_battles, pvals, size)
        by_pair = counts.reshape(size, n_pairs, 3)
        totals = by_pair.sum(axis=2, dtype=np.float64)
        wins = by_pair[:, :, 0] + 0.5 * by_pair[:, :, 2]
        out = np.empty((size, cells.n_items))
        for s in range(0, size, batch):
            out[s : s + batch] = _fit_many(cells, wins[s : s + batch], totals[s : s + batch], alpha, init)
        return out

    if workers is None:
        workers = min(4, os.cpu_count() or 1)
    # The batched solves are of n x n matrices: threaded BLAS only spins on them
    # (five to ten times the CPU time for the same wall time), so it runs single-threaded.
    with threadpool_limits(limits=1, user_api="blas"):
        if workers > 1 and n_blocks > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                parts = list(pool.map(block, range(n_blocks)))
        else:
            parts = [block(k) for k in range(n_blocks)]
    theta = np.concatenate(parts, axis=0)
    return theta - theta.mean(axis=1, keepdims=True)


def bootstrap_strengths(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike | None = None,
    *,
    rounds: int = 1000,
    seed: int | None = 0,
    exclude_ties: bool = False,
    exclude_bothbad: bool = False,
    alpha: float = 0.0,
    init: ArrayLike | None = None,
    workers: int | None = None,
) -> FloatArray:
    """Strengths fitted on bootstrap resamples of the battles.

    Each round draws as many battles as the data hold, with replacement; on
    the aggregated rows this is a multinomial draw of the row counts. Each
    round is fitted by Newton's method, started from ``init`` (by default
    the point estimate), with L-BFGS as a fallback.

    Parameters
    ----------
    n_items, a, b, outcome, count, exclude_ties, exclude_bothbad, alpha
        As in :func:`mle_strengths`.
    rounds : int, optional
        Number of bootstrap rounds.
    seed : int or None, optional
        Seed of the resampling; the result does not depend on ``workers``.
    init : array_like of float, optional
        Starting strengths (natural log scale).
    workers : int, optional
        Threads to use (default: up to 4, at most the number of CPUs).

    Returns
    -------
    strengths : numpy.ndarray
        Shape (rounds, n_items), each row with mean zero.
    """
    cells = _cells(n_items, a, b, outcome, count, exclude_ties, exclude_bothbad)
    _require_battles(cells)
    start = _strengths(cells, alpha) if init is None else np.asarray(init, dtype=np.float64)
    return _bootstrap(cells, rounds, seed, alpha, start, workers)


def elo_scale(strengths: ArrayLike, *, anchor: Anchor | None = None) -> FloatArray:
    """Convert natural-log strengths to Elo-scale ratings.

    Parameters
    ----------
    strengths : array_like of float
        Shape (n_items,) or (rounds, n_items).
    anchor : (int, float), optional
        ``(item, rating)``: shift so that this item has this rating.
        By default ratings are shifted to mean 1000.

    Returns
    -------
    ratings : numpy.ndarray
        ``400 / ln(10) * strengths``, shifted, same shape as ``strengths``.
    """
    r = ELO_FACTOR * np.asarray(strengths, dtype=np.float64)
    if anchor is None:
        return r - r.mean(axis=-1, keepdims=True) + ELO_INIT
    item, rating = anchor
    return r - r[..., item : item + 1] + float(rating)


def interval_ranks(ci_low: ArrayLike, ci_high: ArrayLike) -> IntArray:
    """Rank = 1 + number of items whose lower bound exceeds this upper bound.

    Items whose intervals overlap can share a rank.

    Parameters
    ----------
    ci_low, ci_high : array_like of float
        Interval bounds, shape (n_items,).

    Returns
    -------
    ranks : numpy.ndarray of int
    """
    low, high = np.asarray(ci_low, dtype=np.float64), np.asarray(ci_high, dtype=np.float64)
    return 1 + np.sum(low[None, :] > high[:, None], axis=1).astype(np.int64)


def online_elo(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    *,
    k: float = ELO_K,
    base: float = ELO_BASE,
    scale: float = ELO_SCALE,
    init: float = ELO_INIT,
) -> FloatArray:
    """The sequential Elo rating, updated battle by battle in the given order.

    Ties and both-bad votes score 0.5. Items without battles keep ``init``.

    Parameters
    ----------
    n_items : int
    a, b, outcome : array_like of int
        Battles in chronological order.
    k, base, scale, init : float, optional
        Update factor, logistic base and scale, starting rating.

    Returns
    -------
    ratings : numpy.ndarray
    """
    a_, b_, o_, _ = _check_rows(n_items, a, b, outcome, None)
    score = np.array([1.0, 0.0, 0.5, 0.5])[o_]
    r = [float(init)] * n_items
    for x, y, s in zip(a_.tolist(), b_.tolist(), score.tolist(), strict=True):
        expected = 1.0 / (1.0 + base ** ((r[y] - r[x]) / scale))
        delta = k * (s - expected)
        r[x] += delta
        r[y] -= delta
    return np.array(r)


def model_totals(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike | None = None,
    *,
    exclude_ties: bool = False,
    exclude_bothbad: bool = False,
) -> dict[str, IntArray]:
    """Battles, wins, ties, both-bad votes and losses per item.

    Returns
    -------
    totals : dict of numpy.ndarray
        Keys ``battles``, ``wins``, ``ties``, ``bothbad``, ``losses``; each of
        shape (n_items,). ``ties`` counts ``tie`` only.
    """
    a_, b_, o_, c_ = _kept(*_check_rows(n_items, a, b, outcome, count), exclude_ties, exclude_bothbad)

    def tally(items: IntArray, mask: NDArray[np.bool_]) -> IntArray:
        return np.bincount(items[mask], c_[mask], minlength=n_items).astype(np.int64)

    every = np.ones(a_.size, dtype=bool)
    battles = tally(a_, every) + tally(b_, every)
    wins = tally(a_, o_ == A_WINS) + tally(b_, o_ == B_WINS)
    ties = tally(a_, o_ == TIE) + tally(b_, o_ == TIE)
    bothbad = tally(a_, o_ == BOTH_BAD) + tally(b_, o_ == BOTH_BAD)
    losses = battles - wins - ties - bothbad
    return {"battles": battles, "wins": wins, "ties": ties, "bothbad": bothbad, "losses": losses}


def win_matrices(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike | None = None,
    *,
    exclude_ties: bool = False,
    exclude_bothbad: bool = False,
) -> tuple[FloatArray, IntArray]:
    """Pairwise win fractions and battle counts.

    Returns
    -------
    win_fraction : numpy.ndarray
        ``[i, j]`` = (wins of i over j + 0.5 ties of either kind) / battles
        between i and j; NaN where they never met and on the diagonal.
    battle_count : numpy.ndarray of int
        ``[i, j]`` = battles between i and j (symmetric).
    """
    a_, b_, o_, c_ = _kept(*_check_rows(n_items, a, b, outcome, count), exclude_ties, exclude_bothbad)
    c = c_.astype(np.float64)

    def dense(rows: IntArray, cols: IntArray, values: FloatArray) -> FloatArray:
        """Sum of ``values`` at ``(rows, cols)`` in an n x n matrix."""
        flat = np.bincount(rows * n_items + cols, weights=values, minlength=n_items * n_items)
        return np.asarray(flat, dtype=np.float64).reshape(n_items, n_items)

    count_ab = dense(a_, b_, c)
    battles = count_ab + count_ab.T
    credit_a = np.array([1.0, 0.0, 0.5, 0.5])[o_] * c
    credit = dense(a_, b_, credit_a) + dense(b_, a_, c - credit_a)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(battles > 0, credit / np.where(battles > 0, battles, 1.0), np.nan)
    return fraction, np.rint(battles).astype(np.int64)


def mle_exists(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike | None = None,
    *,
    exclude_ties: bool = False,
    exclude_bothbad: bool = False,
) -> bool:
    """Whether the unregularised maximum-likelihood strengths are finite.

    They are (and are unique up to a shift) if and only if every split of the
    items into two groups has each group winning some credit against the
    other, i.e. the graph "i took credit from j" is strongly connected.
    Otherwise fit with a small ``alpha`` (e.g. 1e-4 to 1e-2).
    """
    cells = _cells(n_items, a, b, outcome, count, exclude_ties, exclude_bothbad)
    wins, totals = cells.pair_stats(cells.cell_count)
    i, j = cells.pair_i, cells.pair_j
    if n_items == 0:
        return False
    took = np.zeros((n_items, n_items), dtype=bool)  # took[x, y]: x took credit from y
    took[i[wins > 0], j[wins > 0]] = True
    took[j[totals - wins > 0], i[totals - wins > 0]] = True
    # Strongly connected if and only if every item reaches item 0 and item 0 reaches every item.
    return _reaches_all(took) and _reaches_all(took.T)


def _reaches_all(graph: NDArray[np.bool_]) -> bool:
    """Whether every node of a directed graph (dense adjacency) can be reached from node 0."""
    seen = np.zeros(graph.shape[0], dtype=bool)
    seen[0] = True
    frontier = seen.copy()
    while frontier.any():
        frontier = graph[frontier].any(axis=0) & ~seen
        seen |= frontier
    return bool(seen.all())


@dataclass(frozen=True)
class RatingFit:
    """Result of :func:`fit_counts`; arrays are indexed by item.

    Attributes
    ----------
    rating, ci_low, ci_high : numpy.ndarray
        Point estimate and 2.5% / 97.5% bootstrap quantiles (Elo scale);
        the bounds are NaN when ``rounds == 0``.
    rank : numpy.ndarray of int
        :func:`interval_ranks` of the intervals (of the ratings alone when
        there is no bootstrap).
    battles, wins, ties, bothbad, losses : numpy.ndarray of int
        Counted battles per item (after exclusions).
    win_rate : numpy.ndarray
        ``(wins + 0.5 * (ties + bothbad)) / battles``.
    win_matrix, count_matrix : numpy.ndarray
        See :func:`win_matrices`.
    bootstrap : numpy.ndarray
        Bootstrap ratings, shape (rounds, n_items).
    mle_exists : bool
        See :func:`mle_exists`; when False and ``alpha == 0`` the ratings of
        some items are limited only by the optimiser's tolerance.
    """

    rating: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    rank: IntArray
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


def fit_counts(
    n_items: int,
    a: ArrayLike,
    b: ArrayLike,
    outcome: ArrayLike,
    count: ArrayLike | None = None,
    *,
    bootstrap: int = 1000,
    seed: int | None = 0,
    exclude_ties: bool = False,
    exclude_bothbad: bool = False,
    anchor: Anchor | None = None,
    alpha: float = 0.0,
    workers: int | None = None,
) -> RatingFit:
    """Ratings, bootstrap intervals, ranks and tallies from aggregated counts.

    Parameters
    ----------
    n_items : int
        Number of items; every item needs at least one counted battle.
    a, b, outcome, count : array_like of int
        Unique ``(a, b, outcome)`` rows and their counts, e.g. one SQL
        ``GROUP BY model_a, model_b, winner``. Outcome codes as in
        :data:`WINNERS`. Rows may repeat; ``count`` defaults to ones.
    bootstrap : int, optional
        Bootstrap rounds for the 95% intervals (0 to skip).
    seed : int or None, optional
        Seed of the bootstrap.
    exclude_ties, exclude_bothbad : bool, optional
        Drop ``tie`` / ``tie (bothbad)`` battles from everything.
    anchor : (int, float), optional
        ``(item, rating)`` to pin; by default the mean rating is 1000.
    alpha : float, optional
        L2 regularisation (choix's convention).
    workers : int, optional
        Threads for the bootstrap.

    Returns
    -------
    RatingFit
    """
    if anchor is not None and not 0 <= anchor[0] < n_items:
        raise ValueError(f"anchor item {anchor[0]} is not in [0, {n_items})")
    cells = _cells(n_items, a, b, outcome, count, exclude_ties, exclude_bothbad)
    _require_battles(cells)
    theta = _strengths(cells, alpha)
    rating = elo_scale(theta, anchor=anchor)
    if bootstrap > 0:
        boot = elo_scale(_bootstrap(cells, bootstrap, seed, alpha, theta, workers), anchor=anchor)
        ci_low, ci_high = np.quantile(boot, [0.025, 0.975], axis=0)
        rank = interval_ranks(ci_low, ci_high)
    else:
        boot = np.empty((0, n_items))
        ci_low = ci_high = np.full(n_items, np.nan)
        rank = interval_ranks(rating, rating)
    rows = (n_items, a, b, outcome, count)
    flags = {"exclude_ties": exclude_ties, "exclude_bothbad": exclude_bothbad}
    totals = model_totals(*rows, **flags)
    win_matrix, count_matrix = win_matrices(*rows, **flags)
    credit = totals["wins"] + 0.5 * (totals["ties"] + totals["bothbad"])
    return RatingFit(
        rating=rating,
        ci_low=ci_low,
        ci_high=ci_high,
        rank=rank,
        win_rate=credit / totals["battles"],
        win_matrix=win_matrix,
        count_matrix=count_matrix,
        bootstrap=boot,
        mle_exists=mle_exists(*rows, **flags),
        **totals,
    )


# ---------------------------------------------------------------------------
# Controlled for complexity: Bradley-Terry with per-battle covariates
# ---------------------------------------------------------------------------
#
# Bradley–Terry with per-battle covariates: ratings controlled for complexity.
#
# Pure (numpy, scipy; no Django). The chat arena's style control, applied to
# what can make a 3D asset win besides its shape being better: triangles, parts,
# objects, code length. For each battle and each feature the contrast is::
#
#     (feature_a - feature_b) / (feature_a + feature_b + 1)
#
# normalised over the battles (zero mean, unit standard deviation), and the
# model is::
#
#     logit P(A beats B) = s_A - s_B + sum_k beta_k * contrast_k
#
# fitted by maximum likelihood with a small L2 penalty on the coefficients
# ``beta`` only (ties and both-bad votes count as half a win for either side,
# as on the plain board). The strengths go onto the plain board's Elo scale and
# centre (mean 1000); a coefficient is reported in Elo points per standard
# deviation of its contrast. Intervals come from the same bootstrap as the plain
# board: battles resampled with replacement, everything refitted.
#
# :func:`fit_controlled` returns a :class:`ControlledBoard`; ``python -m
# leaderboard.rating BATTLES --control triangles,parts`` prints one.

COEFFICIENT_PENALTY = 0.5  # small beside the likelihood of a board's hundreds or thousands of battles
CONTROL_MAX_ITER = 1000
CONTROL_LEVEL = 0.95


@dataclass(frozen=True)
class ControlledBoard:
    """A controlled board.

    Attributes
    ----------
    rows : list of dict
        Per model, best first: ``model``, ``rating`` (controlled), ``ci_low``,
        ``ci_high``, ``raw_rating`` (the same fit without covariates) and
        ``shift`` (controlled minus raw).
    coefficients : list of dict
        Per feature: ``feature``, ``value`` (Elo points per standard deviation
        of the contrast; positive when the larger value wins more), ``low``,
        ``high``.
    converged : bool
        Whether the point fit converged; ``message`` says why not.
    """

    rows: list[dict[str, Any]]
    coefficients: list[dict[str, Any]]
    converged: bool
    message: str
    n_battles: int


def feature_contrasts(features_a: ArrayLike, features_b: ArrayLike) -> np.ndarray:
    """Per battle and feature, ``(a - b) / (a + b + 1)`` normalised to zero mean and unit deviation.

    A feature that is the same contrast in every battle is left at zero (it
    cannot be told apart from the strengths).
    """
    fa, fb = np.asarray(features_a, dtype=np.float64), np.asarray(features_b, dtype=np.float64)
    if fa.shape != fb.shape or fa.ndim != 2:
        raise ValueError(f"features_a and features_b must be (battles, features) arrays, got {fa.shape}, {fb.shape}")
    if (fa < 0).any() or (fb < 0).any():
        raise ValueError("features must be non-negative (counts, lengths, fractions)")
    raw = (fa - fb) / (fa + fb + 1.0)
    spread = raw.std(axis=0)
    safe = np.where(spread > 0, spread, 1.0)
    return np.where(spread > 0, (raw - raw.mean(axis=0)) / safe, 0.0)


def _labels(outcome: np.ndarray) -> np.ndarray:
    """1 when A won, 0 when B won, one half for a tie or both bad."""
    return np.where(outcome == A_WINS, 1.0, np.where(outcome == B_WINS, 0.0, 0.5))


def _control_objective(
    params: np.ndarray, n_models: int, a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray,
    weights: np.ndarray, penalty: float,
) -> tuple[float, np.ndarray]:  # fmt: skip
    """Negative log-likelihood with the coefficients' L2 penalty, and its gradient."""
    strengths, beta = params[:n_models], params[n_models:]
    z = strengths[a] - strengths[b] + x @ beta
    # log(1 + e^z) - y z, written to stay finite for large |z|
    loss = float(weights @ (np.logaddexp(0.0, z) - y * z)) + 0.5 * penalty * float(beta @ beta)
    g = weights * (1.0 / (1.0 + np.exp(-z)) - y)
    grad_s = np.bincount(a, weights=g, minlength=n_models) - np.bincount(b, weights=g, minlength=n_models)
    grad_beta = x.T @ g + penalty * beta
    return loss, np.concatenate([grad_s, grad_beta])


def fit_controlled_strengths(
    n_models: int,
    a: np.ndarray,
    b: np.ndarray,
    outcome: np.ndarray,
    x: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    penalty: float = COEFFICIENT_PENALTY,
    init: np.ndarray | None = None,
    max_iter: int = CONTROL_MAX_ITER,
) -> tuple[np.ndarray, np.ndarray, bool, str]:
    """Strengths (natural log-odds, mean zero) and coefficients of one fit, with convergence."""
    from scipy.optimize import minimize

    k = x.shape[1]
    start = np.zeros(n_models + k) if init is None else init
    w = np.ones(a.size) if weights is None else weights
    result = minimize(
        _control_objective, start, args=(n_models, a, b, x, _labels(outcome), w, penalty), jac=True,
        method="L-BFGS-B", options={"maxiter": max_iter, "gtol": 1e-8},
    )  # fmt: skip
    strengths = result.x[:n_models] - result.x[:n_models].mean()
    return strengths, result.x[n_models:], bool(result.success), str(result.message)


def fit_controlled(
    battles: Battles,
    *,
    bootstrap: int = 1000,
    seed: int | None = 0,
    penalty: float = COEFFICIENT_PENALTY,
    max_iter: int = CONTROL_MAX_ITER,
) -> ControlledBoard:
    """The board of `battles` controlled for their features (``battles.features``), with intervals."""
    if not battles.features:
        raise ValueError("the battles carry no features to control for")
    if len(battles) == 0:
        raise ValueError("no battles")
    n, a, b, outcome = len(battles.models), battles.a, battles.b, battles.outcome
    assert battles.features_a is not None and battles.features_b is not None  # set by Battles itself
    x = feature_contrasts(battles.features_a, battles.features_b)
    strengths, beta, converged, message = fit_controlled_strengths(
        n, a, b, outcome, x, penalty=penalty, max_iter=max_iter
    )
    raw, *_ = fit_controlled_strengths(n, a, b, outcome, np.zeros((a.size, 0)), penalty=penalty, max_iter=max_iter)
    boot_s, boot_beta = _control_bootstrap(
        n, a, b, outcome, x, np.concatenate([strengths, beta]), bootstrap, seed, penalty
    )
    return ControlledBoard(
        rows=_control_rows(battles.models, strengths, raw, boot_s),
        coefficients=[
            {"feature": name, "value": float(ELO_FACTOR * beta[k]), **_control_interval(ELO_FACTOR * boot_beta[:, k])}
            for k, name in enumerate(battles.features)
        ],
        converged=converged,
        message="" if converged else f"the fit did not converge ({message}); the ratings are not reliable",
        n_battles=len(battles),
    )


def _control_bootstrap(
    n: int, a: np.ndarray, b: np.ndarray, outcome: np.ndarray, x: np.ndarray, start: np.ndarray,
    rounds: int, seed: int | None, penalty: float,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Strengths and coefficients of `rounds` resamples of the battles (each warm-started from the fit)."""
    rng = np.random.default_rng(seed)
    strengths, betas = np.empty((rounds, n)), np.empty((rounds, x.shape[1]))
    for r in range(rounds):
        weights = np.bincount(rng.integers(0, a.size, a.size), minlength=a.size).astype(np.float64)
        strengths[r], betas[r], *_ = fit_controlled_strengths(
            n, a, b, outcome, x, weights=weights, penalty=penalty, init=start
        )
    return strengths, betas


def _control_interval(samples: np.ndarray) -> dict[str, float | None]:
    if samples.size == 0:
        return {"low": None, "high": None}
    low, high = np.percentile(samples, [50 * (1 - CONTROL_LEVEL), 50 * (1 + CONTROL_LEVEL)])
    return {"low": float(low), "high": float(high)}


def _control_rows(
    models: Sequence[str], strengths: np.ndarray, raw: np.ndarray, boot: np.ndarray
) -> list[dict[str, Any]]:
    ratings, raw_ratings = ELO_INIT + ELO_FACTOR * strengths, ELO_INIT + ELO_FACTOR * raw
    boot_ratings = ELO_INIT + ELO_FACTOR * boot
    rows = [
        {
            "model": model,
            "rating": float(ratings[k]),
            **_ci(boot_ratings[:, k]),
            "raw_rating": float(raw_ratings[k]),
            "shift": float(ratings[k] - raw_ratings[k]),
        }  # fmt: skip
        for k, model in enumerate(models)
    ]
    return sorted(rows, key=lambda row: -row["rating"])


def _ci(samples: np.ndarray) -> dict[str, float | None]:
    interval = _control_interval(samples)
    return {"ci_low": interval["low"], "ci_high": interval["high"]}


# ---------------------------------------------------------------------------
# Named battles and the leaderboard
# ---------------------------------------------------------------------------


def _parse_record(record: Any, features: Sequence[str] = ()) -> tuple[str, str, int, list[float], list[float]] | None:
    """One battle record to ``(model_a, model_b, outcome, features_a, features_b)``; None if skipped."""
    if not isinstance(record, Mapping):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    anony = record.get("anony", True)
    if not isinstance(anony, bool):
        raise ValueError(f"anony must be true or false, got {anony!r}")
    if not anony:
        return None
    names = []
    for key in ("model_a", "model_b"):
        if key not in record:
            raise ValueError(f"missing key {key!r}")
        name = record[key]
        if not isinstance(name, str) or not name:
            raise ValueError(f"{key} must be a non-empty string, got {name!r}")
        names.append(name)
    if "winner" not in record:
        raise ValueError("missing key 'winner'")
    winner = record["winner"]
    if winner not in WINNERS:
        expected = ", ".join(repr(w) for w in WINNERS)
        raise ValueError(f"unknown winner {winner!r} (expected one of {expected})")
    if names[0] == names[1]:
        raise ValueError(f"model_a and model_b are the same model {names[0]!r}")
    sides = [_record_features(record, key, features) for key in ("features_a", "features_b")] if features else [[], []]
    return names[0], names[1], WINNERS.index(winner), sides[0], sides[1]


class _MissingFeature(Exception):
    """A battle whose side gives a wanted feature as null: it was not measured (left out, not an error)."""


def _record_features(record: Mapping[str, Any], key: str, features: Sequence[str]) -> list[float]:
    """The named features of one side of a battle record (``features_a`` or ``features_b``).

    A feature given as null was not measured for that asset: :class:`_MissingFeature` (the
    battle is left out); one absent or not a non-negative number is an error.
    """
    given = record.get(key)
    if not isinstance(given, Mapping):
        raise ValueError(f"missing object {key!r} (needed for {', '.join(features)})")
    values = []
    for name in features:
        value = given.get(name)
        if name in given and value is None:
            raise _MissingFeature(f"{key}.{name}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{key}.{name} must be a non-negative number, got {value!r}")
        values.append(float(value))
    return values


def _battles_from_numbered(
    numbered: Iterable[tuple[int, Any]], models: Sequence[str] | None, source: str | None,
    features: Sequence[str] = (),
) -> Battles:  # fmt: skip
    rows: list[tuple[str, str, int, list[float], list[float]]] = []
    left_out = 0
    for line, record in numbered:
        try:
            parsed = _parse_record(record, features)
        except _MissingFeature:
            left_out += 1
            continue
        except ValueError as exc:
            raise BattleFormatError(str(exc), line=line, source=source) from None
        if parsed is not None:
            rows.append(parsed)
    names = tuple(models) if models is not None else tuple(sorted({m for r in rows for m in r[:2]}))
    index = {name: k for k, name in enumerate(_unique_names(names))}
    try:
        a = np.array([index[r[0]] for r in rows], dtype=np.int64)
        b = np.array([index[r[1]] for r in rows], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"model {exc.args[0]!r} is not in the given models") from None
    outcome = np.array([r[2] for r in rows], dtype=np.int64)
    if not features:
        return Battles(names, a, b, outcome)
    shape = (len(rows), len(features))
    features_a = np.array([r[3] for r in rows], dtype=np.float64).reshape(shape)
    features_b = np.array([r[4] for r in rows], dtype=np.float64).reshape(shape)
    return Battles(names, a, b, outcome, tuple(features), features_a, features_b, left_out)


def _unique_names(models: Iterable[str]) -> tuple[str, ...]:
    names = tuple(models)
    if len(set(names)) != len(names):
        raise ValueError("model names must be unique")
    return names


@dataclass(frozen=True)
class Battles:
    """Battles in chronological order, with model names.

    Attributes
    ----------
    models : tuple of str
        Model names; ``a`` and ``b`` index into it.
    a, b : numpy.ndarray of int
        Models on side A and side B.
    outcome : numpy.ndarray of int
        Outcome codes (positions in :data:`WINNERS`).
    features : tuple of str
        Names of the per-battle covariates, if any (see
        :mod:`leaderboard.contextual`).
    features_a, features_b : numpy.ndarray of float
        ``(battles, features)``: each side's values.
    left_out : int
        Records read but left out because a side gives one of `features` as
        null (not measured for that asset).
    """

    models: tuple[str, ...]
    a: IntArray
    b: IntArray
    outcome: IntArray
    features: tuple[str, ...] = ()
    features_a: FloatArray | None = None
    features_b: FloatArray | None = None
    left_out: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", _unique_names(self.models))
        checked = _check_rows(len(self.models), self.a, self.b, self.outcome, None)
        for name, arr in zip(("a", "b", "outcome"), checked[:3], strict=True):
            object.__setattr__(self, name, arr)
        shape = (self.a.size, len(self.features))
        for name in ("features_a", "features_b"):
            values = getattr(self, name)
            values = np.zeros(shape) if values is None and not self.features else np.asarray(values, dtype=np.float64)
            if values.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {values.shape}")
            object.__setattr__(self, name, values)

    def __len__(self) -> int:
        return int(self.a.size)

    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], *, models: Sequence[str] | None = None, features: Sequence[str] = ()
    ) -> Battles:
        """Battles from chat-arena style records.

        Each record needs ``model_a``, ``model_b`` and ``winner``; other keys
        (``judge``, ``tstamp``, ...) are ignored. Records with
        ``anony: false`` are dropped, as on the chat arena's board. With
        `features`, records where a side gives one of them as null are left
        out and counted in :attr:`Battles.left_out`.

        Parameters
        ----------
        records : iterable of mapping
            In chronological order (the online Elo follows it).
        models : sequence of str, optional
            Names and their order; default: sorted names seen in the records.

        Raises
        ------
        BattleFormatError
            Naming the 1-based record number and the reason.
        """
        return _battles_from_numbered(enumerate(records, start=1), models, None, features)

    def counts(self) -> BattleCounts:
        """Aggregate to unique ``(a, b, outcome)`` rows."""
        return BattleCounts(self.models, *aggregate(len(self.models), self.a, self.b, self.outcome))


@dataclass(frozen=True)
class BattleCounts:
    """Aggregated battles: unique ``(a, b, outcome)`` rows with counts.

    Attributes
    ----------
    models : tuple of str
    a, b, outcome, count : numpy.ndarray of int
    """

    models: tuple[str, ...]
    a: IntArray
    b: IntArray
    outcome: IntArray
    count: IntArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", _unique_names(self.models))
        checked = _check_rows(len(self.models), self.a, self.b, self.outcome, self.count)
        for name, arr in zip(("a", "b", "outcome", "count"), checked, strict=True):
            object.__setattr__(self, name, arr)

    def __len__(self) -> int:
        return int(self.count.sum())


@dataclass(frozen=True)
class Leaderboard:
    """A fitted leaderboard, models sorted by rating (highest first).

    Attributes
    ----------
    models : tuple of str
        Model names in board order; rows and matrices follow it.
    rows : list of dict
        Per model: ``model``, ``rating``, ``ci_low``, ``ci_high`` (None
        without bootstrap), ``rank``, ``battles``, ``wins``, ``ties``,
        ``bothbad``, ``losses``, ``win_rate``, ``elo_online`` (None when
        fitted from counts).
    win_matrix : numpy.ndarray
        Row model's (wins + 0.5 ties) / battles against the column model.
    count_matrix : numpy.ndarray of int
        Battles between row and column model.
    bootstrap : numpy.ndarray
        Bootstrap ratings, shape (rounds, models).
    n_battles : int
        Battles counted.
    mle_exists : bool
        See :func:`mle_exists`.
    settings : dict
        The options used.
    """

    models: tuple[str, ...]
    rows: list[dict[str, Any]]
    win_matrix: FloatArray
    count_matrix: IntArray
    bootstrap: FloatArray
    n_battles: int
    mle_exists: bool
    settings: dict[str, Any] = field(default_factory=dict)


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else x


def fit_leaderboard(
    battles: Battles | BattleCounts,
    *,
    bootstrap: int = 1000,
    seed: int | None = 0,
    exclude_ties: bool = False,
    exclude_bothbad: bool = False,
    anchor: tuple[str, float] | None = None,
    alpha: float = 0.0,
    workers: int | None = None,
) -> Leaderboard:
    """Fit the leaderboard.

    Models without counted battles (after exclusions) are left off.

    Parameters
    ----------
    battles : Battles or BattleCounts
        Battles in order (gives the online Elo too) or aggregated counts.
    bootstrap : int, optional
        Bootstrap rounds for the 95% intervals (0 to skip).
    seed : int or None, optional
        Seed of the bootstrap.
    exclude_ties, exclude_bothbad : bool, optional
        Drop ``tie`` / ``tie (bothbad)`` battles from everything.
    anchor : (str, float), optional
        ``(model, rating)`` to pin; by default the mean rating is 1000.
    alpha : float, optional
        L2 regularisation (choix's convention), e.g. 1e-3 for sparse data.
    workers : int, optional
        Threads for the bootstrap.

    Returns
    -------
    Leaderboard

    Raises
    ------
    ValueError
        If no battle is left, or the anchor model has no battles.
    """
    data = battles.counts() if isinstance(battles, Battles) else battles
    flags = {"exclude_ties": exclude_ties, "exclude_bothbad": exclude_bothbad}
    a, b, o, c = _kept(data.a, data.b, data.outcome, data.count, **flags)
    if c.sum() == 0:
        raise ValueError("no battles to rate")
    # Re-index onto the models that have battles.
    used = np.flatnonzero(np.bincount(np.r_[a, b], minlength=len(data.models)))
    index = np.full(len(data.models), -1)
    index[used] = np.arange(used.size)
    names = [data.models[k] for k in used]
    anchor_ix: Anchor | None = None
    if anchor is not None:
        if anchor[0] not in names:
            raise ValueError(f"anchor model {anchor[0]!r} has no battles")
        anchor_ix = (names.index(anchor[0]), float(anchor[1]))
    fit = fit_counts(
        len(names), index[a], index[b], o, c,
        bootstrap=bootstrap, seed=seed, alpha=alpha, anchor=anchor_ix, workers=workers,
    )  # fmt: skip
    elo: FloatArray | None = None
    if isinstance(battles, Battles):
        keep = np.ones(len(battles), dtype=bool)
        if exclude_ties:
            keep &= battles.outcome != TIE
        if exclude_bothbad:
            keep &= battles.outcome != BOTH_BAD
        ba, bb, bo = index[battles.a[keep]], index[battles.b[keep]], battles.outcome[keep]
        elo = online_elo(len(names), ba, bb, bo)
    order = sorted(range(len(names)), key=lambda k: (-fit.rating[k], names[k]))
    rows = [
        {
            "model": names[k],
            "rating": float(fit.rating[k]),
            "ci_low": _opt(float(fit.ci_low[k])),
            "ci_high": _opt(float(fit.ci_high[k])),
            "rank": int(fit.rank[k]),
            "battles": int(fit.battles[k]),
            "wins": int(fit.wins[k]),
            "ties": int(fit.ties[k]),
            "bothbad": int(fit.bothbad[k]),
            "losses": int(fit.losses[k]),
            "win_rate": float(fit.win_rate[k]),
            "elo_online": None if elo is None else float(elo[k]),
        }
        for k in order
    ]
    perm = np.array(order, dtype=np.int64)
    settings = {"bootstrap": bootstrap, "seed": seed, "anchor": anchor, "alpha": alpha, **flags}
    return Leaderboard(
        models=tuple(names[k] for k in order),
        rows=rows,
        win_matrix=fit.win_matrix[np.ix_(perm, perm)],
        count_matrix=fit.count_matrix[np.ix_(perm, perm)],
        bootstrap=fit.bootstrap[:, perm],
        n_battles=int(c.sum()),
        mle_exists=fit.mle_exists,
        settings=settings,
    )


# ---------------------------------------------------------------------------
# Files and the command line
# ---------------------------------------------------------------------------


def _json_array_records(text: str, source: str) -> Iterator[tuple[int, Any]]:
    """Objects of a JSON list, each with the line it starts on."""
    decoder = json.JSONDecoder()
    counted, line = 0, 1  # newlines counted up to ``counted``

    def line_at(p: int) -> int:
        nonlocal counted, line
        line += text.count("\n", counted, p)
        counted = p
        return line

    def skip(p: int) -> int:
        while p < len(text) and text[p] in " \t\r\n":
            p += 1
        return p

    def error(p: int, reason: str) -> BattleFormatError:
        return BattleFormatError(f"invalid JSON: {reason}", line=line_at(p), source=source)

    pos = skip(text.index("[") + 1)
    if text.startswith("]", pos):
        if skip(pos + 1) < len(text):
            raise error(skip(pos + 1), "extra data after the list")
        return
    while True:
        if pos >= len(text):
            raise error(pos, "the list is not closed")
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise BattleFormatError(f"invalid JSON: {exc.msg}", line=exc.lineno, source=source) from None
        yield line_at(pos), obj
        pos = skip(end)
        if pos >= len(text):
            raise error(pos, "the list is not closed")
        if text[pos] == "]":
            if skip(pos + 1) < len(text):
                raise error(skip(pos + 1), "extra data after the list")
            return
        if text[pos] != ",":
            raise error(pos, "expected ',' or ']'")
        pos = skip(pos + 1)


def read_battles(path: str, *, models: Sequence[str] | None = None, features: Sequence[str] = ()) -> Battles:
    """Read battles from a JSON list of objects or a JSON-lines file.

    The format is recognised by the first character (``[`` for a list). With
    `features`, every kept record needs ``features_a`` and ``features_b``
    objects giving each of them (name -> non-negative number, or null when
    not measured: such records are left out and counted in
    :attr:`Battles.left_out`).

    Raises
    ------
    BattleFormatError
        Naming the file, the line and the reason.
    OSError
        If the file cannot be read.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    if not features:
        fast = _fast_battles(data, models)
        if fast is not None:
            return fast
    # The reader below names the line of the first bad record (and reads every
    # file the fast one leaves to it, such as ones with NaN or lone surrogates).
    with open(path, encoding="utf-8-sig") as fh:
        text = fh.read()
    stripped = text.lstrip()
    if not stripped:
        raise BattleFormatError("the file is empty", line=1, source=path)
    if stripped[0] == "[":
        numbered: Iterable[tuple[int, Any]] = _json_array_records(text, path)
    else:
        numbered = _json_lines_records(text, path)
    return _battles_from_numbered(numbered, models, path, features)


# Line breaks of str.splitlines() other than \n, \r and \r\n, as UTF-8.
_OTHER_LINE_BREAKS = re.compile(rb"[\x0b\x0c\x1c-\x1e]|\xc2\x85|\xe2\x80[\xa8\xa9]")


@functools.cache
def _record_decoders() -> tuple[Any, Any, tuple[type[Exception], ...]] | None:
    """msgspec decoders of a battle list and of one battle, and msgspec's errors; None without msgspec."""
    try:
        import msgspec
    except ImportError:  # pragma: no cover - msgspec is a pinned dependency
        return None
    # The keys of a battle record the board uses; others are skipped unread.
    name = Annotated[str, msgspec.Meta(min_length=1)]
    winner = Literal[WINNERS]  # type: ignore[valid-type]
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        ("model_a", name), ("model_b", name), ("winner", winner), ("anony", bool, True),
    ]  # fmt: skip
    record: Any = msgspec.defstruct("Record", fields, gc=False)
    errors = (msgspec.DecodeError, msgspec.ValidationError)
    return msgspec.json.Decoder(list[record]), msgspec.json.Decoder(record), errors


def _fast_battles(data: bytes, models: Sequence[str] | None) -> Battles | None:
    """The battles of a file's bytes, decoded by msgspec; None where :func:`read_battles`'s own reader must decide.

    Gives exactly what the reader below gives, or None: for any file that is
    not plain, strict JSON with good records (a bad record, NaN, a lone
    surrogate, unusual line breaks, ...), so that errors are the reader's.
    """
    decoders = _record_decoders()
    if decoders is None:
        return None
    list_decoder, record_decoder, errors = decoders
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    start = data.lstrip(b" \t\r\n")[:1]
    if not start:
        return None
    try:
        if start == b"[":
            records = list_decoder.decode(data)
        elif _OTHER_LINE_BREAKS.search(data):
            return None
        else:
            records = [record_decoder.decode(line) for line in data.splitlines() if line.strip()]
    except errors:
        return None
    kept = [r for r in records if r.anony]
    model_a = list(map(operator.attrgetter("model_a"), kept))
    model_b = list(map(operator.attrgetter("model_b"), kept))
    if models is None:
        names = tuple(sorted(set(model_a).union(model_b)))
    else:
        names = tuple(models)
        if len(set(names)) != len(names) or not set(model_a).union(model_b) <= set(names):
            return None
    index = {name: k for k, name in enumerate(names)}
    code = {winner: k for k, winner in enumerate(WINNERS)}
    n = len(kept)
    a = np.fromiter(map(index.__getitem__, model_a), dtype=np.int64, count=n)
    b = np.fromiter(map(index.__getitem__, model_b), dtype=np.int64, count=n)
    if np.any(a == b):
        return None
    winners = map(code.__getitem__, map(operator.attrgetter("winner"), kept))
    return Battles(names, a, b, np.fromiter(winners, dtype=np.int64, count=n))


def _json_lines_records(text: str, source: str) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except json.JSONDecodeError as exc:
            raise BattleFormatError(f"invalid JSON: {exc.msg}", line=number, source=source) from None


COLUMNS = (
    "model", "rating", "ci_low", "ci_high", "rank", "battles",
    "wins", "ties", "bothbad", "losses", "win_rate", "elo_online",
)  # fmt: skip


def _parse_anchor(value: str) -> tuple[str, float]:
    model, sep, rating = value.rpartition("=")
    try:
        if not sep or not model:
            raise ValueError
        return model, float(rating)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MODEL=RATING, got {value!r}") from None


def _format(board: Leaderboard, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(board.rows, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in board.rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    return out.getvalue()


def _input_error(exc: Exception, path: str) -> int:
    """Print a bad input file's error (naming the file, and the line where known); the exit status 1."""
    prefix = "" if isinstance(exc, BattleFormatError) else f"{path}: "
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    print(f"error: {prefix}{detail}", file=sys.stderr)
    return 1


def _parse_features(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(","))
    if not all(names) or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"expected distinct feature names separated by commas, got {value!r}")
    return names


CONTROLLED_COLUMNS = ("model", "rating", "ci_low", "ci_high", "raw_rating", "shift")


def _main_controlled(args: argparse.Namespace) -> int:
    """``--control``: the board controlled for the named features, with their coefficients."""
    try:
        battles = read_battles(args.battles, features=args.control)
        board = fit_controlled(battles, bootstrap=args.bootstrap, seed=args.seed)
    except (OSError, ValueError) as exc:
        return _input_error(exc, args.battles)
    if not board.converged:
        print(f"warning: {board.message}", file=sys.stderr)
    if battles.left_out:
        print(f"note: {battles.left_out} battles left out: a side lacks one of {', '.join(args.control)}",
              file=sys.stderr)  # fmt: skip
    if args.format == "json":
        payload = {"rows": board.rows, "coefficients": board.coefficients, "converged": board.converged,
                   "n_battles": board.n_battles, "n_left_out": battles.left_out}  # fmt: skip
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CONTROLLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(board.rows)
    out.write("\nfeature,value,low,high\n")
    for row in board.coefficients:
        out.write(f"{row['feature']},{row['value']},{row['low']},{row['high']}\n")
    sys.stdout.write(out.getvalue())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the leaderboard of a battles file.

    ``python -m leaderboard.rating BATTLES.json|.jsonl [--bootstrap N]
    [--seed S] [--exclude-ties] [--exclude-bothbad] [--anchor MODEL=RATING]
    [--alpha A] [--format json|csv] [--control FEATURE,...]``

    Returns the exit status: 0 on success, 1 on bad input, 2 on bad usage.
    """
    parser = argparse.ArgumentParser(
        prog="python -m leaderboard.rating",
        description="Bradley-Terry leaderboard (Elo scale) of pairwise battles.",
    )
    parser.add_argument("battles", help="JSON list of battle objects, or JSON lines")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap rounds (0 = none)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--exclude-ties", action="store_true", help="drop 'tie' battles")
    parser.add_argument("--exclude-bothbad", action="store_true", help="drop 'tie (bothbad)' battles")
    parser.add_argument("--anchor", type=_parse_anchor, metavar="MODEL=RATING", help="pin a model's rating")
    parser.add_argument("--alpha", type=float, default=0.0, help="L2 regularisation")
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument(
        "--control", type=_parse_features, metavar="FEATURE,...",
        help="control for these per-battle features (features_a / features_b in each record)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.bootstrap < 0 or args.alpha < 0:
        parser.error("--bootstrap and --alpha must be non-negative")
    if args.control and (args.exclude_ties or args.exclude_bothbad or args.anchor or args.alpha):
        parser.error(
            "--control counts ties as half wins and centres at 1000: it takes no --exclude-*, --anchor, --alpha"
        )
    if args.control:
        return _main_controlled(args)
    try:
        battles = read_battles(args.battles)
        board = fit_leaderboard(
            battles,
            bootstrap=args.bootstrap,
            seed=args.seed,
            exclude_ties=args.exclude_ties,
            exclude_bothbad=args.exclude_bothbad,
            anchor=args.anchor,
            alpha=args.alpha,
        )
    except (OSError, ValueError) as exc:
        return _input_error(exc, args.battles)
    if not board.mle_exists and args.alpha == 0:
        print(
            "warning: some models won or lost every counted battle against the rest, so "
            "their ratings are not finite; consider --alpha 1e-3",
            file=sys.stderr,
        )
    sys.stdout.write(_format(board, args.format))
    return 0


if __name__ == "__main__":
    sys.exit(main())
