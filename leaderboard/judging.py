"""How well an automatic judge stands in for people: the chat arena's judge-evaluation figures.

Pure NumPy (no Django). A *judge* is anything that gives pairwise verdicts
between two models' outputs for a prompt: an LLM asked which of two assets is
better, or a metric that prefers the asset with the better value. Its verdicts
give it a board of its own (Bradley–Terry, fitted like the human board by
:mod:`leaderboard.rating`); this module compares that board, and the verdicts
themselves, with the people's.

Board-level figures (Li et al. 2024, "From crowdsourced data to high-quality
benchmarks", the Arena-Hard-Auto paper):

- :func:`separability` -- share of model pairs whose 95% intervals on one
  board do not overlap ("separability with confidence");
- :func:`agreement_with_confidence` -- over the model pairs the human board
  separates: +1 when the judge's board separates the pair in the same order,
  -1 in the opposite order, 0 when it cannot separate it; the mean;
- :func:`pair_brier` -- Brier score of the judge board's Bradley–Terry win
  probabilities for the pairs the human board separates, against the human
  board's order.

Verdict-level figures:

- :func:`brier` -- Brier score of a judge's own probabilities against votes,
  with a bootstrap interval;
- :func:`swap_test` -- how often a judge that saw the same pair in both orders
  changes its verdict (position consistency), with Wilson intervals;
- :func:`wilson` -- the Wilson score interval of a proportion.

Accuracy and Cohen's kappa against votes come from
:func:`leaderboard.correlation.agreement`.

Intervals are ``(low, high)`` bounds of a 95% interval; an interval that
*overlaps* another shares more than one point with it (intervals that only
touch are separated, as in the paper's code).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from leaderboard.correlation import LEVEL, estimate

ELO_BASE = 10.0
ELO_SCALE = 400.0


def _intervals(low: ArrayLike, high: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    if lo.shape != hi.shape or lo.ndim != 1:
        raise ValueError(f"low and high must be 1-d arrays of one shape, got {lo.shape} and {hi.shape}")
    if np.any(lo > hi):
        raise ValueError("an interval has its low bound above its high bound")
    return lo, hi


def pair_order(low: ArrayLike, high: ArrayLike) -> np.ndarray:
    """For every pair of items, +1 / -1 when the first's interval is wholly above / below the second's, else 0.

    Parameters
    ----------
    low, high : array_like, shape (n,)
        Interval bounds per item; a NaN bound leaves the item's pairs at 0.

    Returns
    -------
    numpy.ndarray of int, shape (n, n)
        Antisymmetric; ``order[i, j] = 1`` when ``low[i] >= high[j]``.
    """
    lo, hi = _intervals(low, high)
    with np.errstate(invalid="ignore"):
        above = lo[:, None] >= hi[None, :]
    np.fill_diagonal(above, False)
    return above.astype(np.int64) - above.T.astype(np.int64)


def separability(low: ArrayLike, high: ArrayLike) -> dict[str, Any]:
    """Share of item pairs whose intervals do not overlap.

    Parameters
    ----------
    low, high : array_like, shape (n,)
        A board's 95% interval per model. Items with a NaN bound count in
        no pair.

    Returns
    -------
    dict
        ``value`` (share, None without a pair), ``separated`` and ``n_pairs``.

    Examples
    --------
    >>> separability([0, 1, 5], [2, 3, 6])["value"]  # (0,2) overlaps (1,3); both lie below (5,6)
    0.6666666666666666
    """
    lo, hi = _intervals(low, high)
    ok = np.isfinite(lo) & np.isfinite(hi)
    order = pair_order(lo[ok], hi[ok])
    n = int(ok.sum())
    n_pairs = n * (n - 1) // 2
    separated = int(np.triu(order != 0, k=1).sum())
    return {"value": separated / n_pairs if n_pairs else None, "separated": separated, "n_pairs": n_pairs}


def agreement_with_confidence(
    judge_low: ArrayLike, judge_high: ArrayLike, human_low: ArrayLike, human_high: ArrayLike
) -> dict[str, Any]:
    """Agreement with confidence of a judge's board with the human board.

    Over the model pairs whose intervals do not overlap on the human board,
    each pair scores +1 when the judge's intervals do not overlap either and
    order the pair the same way, -1 when they order it the opposite way, and
    0 when they overlap. The figure is the mean score, in [-1, 1]. (The
    Arena-Hard-Auto code reports the same figure rescaled to [0, 1]:
    ``(value + 1) / 2``, counting an unseparated pair as 0.5.)

    Parameters
    ----------
    judge_low, judge_high, human_low, human_high : array_like, shape (n,)
        Both boards' 95% intervals for the same models in the same order;
        NaN where a model is missing from a board (its pairs are left out).

    Returns
    -------
    dict
        ``value`` (None when the human board separates no pair), ``n_pairs``
        (pairs the human board separates), ``agree``, ``disagree`` and
        ``unseparated`` counts.
    """
    judge = pair_order(judge_low, judge_high)
    human = pair_order(human_low, human_high)
    if judge.shape != human.shape:
        raise ValueError(f"the boards have {judge.shape[0]} and {human.shape[0]} models")
    jl, jh = _intervals(judge_low, judge_high)
    present = np.isfinite(jl) & np.isfinite(jh)
    both = np.triu(np.outer(present, present), k=1) & (np.triu(human, k=1) != 0)
    product = (judge * human)[both]
    agree, disagree = int((product > 0).sum()), int((product < 0).sum())
    n_pairs = int(both.sum())
    return {
        "value": (agree - disagree) / n_pairs if n_pairs else None,
        "n_pairs": n_pairs,
        "agree": agree,
        "disagree": disagree,
        "unseparated": n_pairs - agree - disagree,
    }


def win_probability(rating_a: ArrayLike, rating_b: ArrayLike) -> np.ndarray:
    """Bradley–Terry probability that A beats B, from Elo-scale ratings."""
    ra, rb = np.asarray(rating_a, dtype=np.float64), np.asarray(rating_b, dtype=np.float64)
    return 1.0 / (1.0 + ELO_BASE ** ((rb - ra) / ELO_SCALE))


def pair_brier(judge_rating: ArrayLike, human_low: ArrayLike, human_high: ArrayLike) -> dict[str, Any]:
    """Brier score of the judge board's win probabilities on the pairs the human board separates.

    For each model pair whose human intervals do not overlap, the outcome is
    1 for the model the human board puts above; the forecast is the judge
    board's Bradley–Terry probability that this model beats the other. The
    score is the mean squared difference: 0 for a judge sure of every order
    people are sure of, 0.25 for one that cannot tell any pair apart, 1 for
    one sure of the opposite orders.

    Parameters
    ----------
    judge_rating : array_like, shape (n,)
        The judge board's Elo-scale ratings; NaN for a model it did not rate.
    human_low, human_high : array_like, shape (n,)
        The human board's 95% intervals for the same models.

    Returns
    -------
    dict
        ``value`` (None without a pair) and ``n_pairs``.
    """
    rating = np.asarray(judge_rating, dtype=np.float64)
    human = pair_order(human_low, human_high)
    if human.shape[0] != rating.size:
        raise ValueError(f"{rating.size} ratings for {human.shape[0]} models")
    i, j = np.nonzero((human > 0) & np.isfinite(rating)[:, None] & np.isfinite(rating)[None, :])
    if i.size == 0:
        return {"value": None, "n_pairs": 0}
    p = win_probability(rating[i], rating[j])
    return {"value": float(np.mean((1.0 - p) ** 2)), "n_pairs": int(i.size)}


def brier(probability: ArrayLike, outcome: ArrayLike, weights: ArrayLike | None = None, level: float = LEVEL) -> dict:
    """Brier score of probabilities against 0/1 outcomes, with a bootstrap interval.

    Parameters
    ----------
    probability : array_like, shape (n,)
        Forecast probability of the event per item, in [0, 1].
    outcome : array_like, shape (n,)
        1 where the event happened, else 0.
    weights : array_like, shape (rounds, n), optional
        Bootstrap multiplicities of the items
        (:func:`leaderboard.correlation.vote_weights`).

    Returns
    -------
    dict
        An :class:`leaderboard.correlation.Estimate` as a dict, plus ``n``.
    """
    p, o = np.asarray(probability, dtype=np.float64), np.asarray(outcome, dtype=np.float64)
    if p.shape != o.shape:
        raise ValueError(f"probability and outcome differ in shape: {p.shape} vs {o.shape}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("a probability lies outside [0, 1]")
    error = (p - o) ** 2
    point = float(error.mean()) if error.size else np.nan
    w = np.zeros((0, p.size)) if weights is None else np.asarray(weights, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (w @ error) / w.sum(axis=1)
    return {**estimate(point, boot, level).as_dict(), "n": int(p.size)}


def wilson(successes: int, n: int, level: float = LEVEL) -> dict[str, Any]:
    """A proportion with its Wilson score interval.

    Returns
    -------
    dict
        ``value``, ``low``, ``high`` (None when ``n == 0``) and ``n``.

    Examples
    --------
    >>> round(wilson(8, 10)["low"], 4)
    0.4902
    """
    if n <= 0:
        return {"value": None, "low": None, "high": None, "n": 0}
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes out of {n}")
    z = float(norm.ppf(0.5 + level / 2.0))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return {"value": p, "low": float(max(0.0, centre - half)), "high": float(min(1.0, centre + half)), "n": n}


def swap_test(first: ArrayLike, second: ArrayLike, level: float = LEVEL) -> dict[str, Any]:
    """Position consistency of a judge that saw each pair in both orders.

    Parameters
    ----------
    first, second : array_like of int, shape (n,)
        The judge's two verdicts on each pair, one per order, in the pair's
        own frame: 0 (the pair's first model is better), 1 (the second),
        2 (tie) or 3 (both bad).

    Returns
    -------
    dict
        ``n`` pairs; ``consistent``: share with the same verdict both times;
        ``flipped``: share where one order picked one model and the other
        order the other model; each as a :func:`wilson` dict.
    """
    f, s = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    if f.shape != s.shape:
        raise ValueError(f"first and second differ in shape: {f.shape} vs {s.shape}")
    if np.any((f < 0) | (f > 3) | (s < 0) | (s > 3)):
        raise ValueError("verdicts are 0, 1, 2 or 3")
    n = int(f.size)
    flipped = int(np.sum((f <= 1) & (s <= 1) & (f != s)))
    return {"n": n, "consistent": wilson(int(np.sum(f == s)), n, level), "flipped": wilson(flipped, n, level)}
