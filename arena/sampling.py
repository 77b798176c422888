"""Choosing which two generators meet next (pure numpy, no Django).

Three strategies over the generator pairs that share at least one prompt:

* ``uniform``: every available pair equally likely;
* ``variance``: the chat arena's rule, probability proportional to the drop in
  the standard error of the pair's win rate that one more vote would bring,
  ``sqrt(var / n) - sqrt(var / (n + 1))``, with ``var = p (1 - p)``;
* ``active`` (the default): the same gain, weighted by the probability that the
  pair's current order is wrong, ``Phi(-|r_i - r_j| / se_ij)`` from the current
  ratings and their standard errors, so votes go where the *ranking* is still
  uncertain. Without ratings it falls back to the chat arena's rule.

The two adaptive strategies are mixed with a uniform floor so that no pair is
ever starved. `arena_simulate` measures how many votes each needs.

Pairs are unordered index pairs ``(i, j)`` with ``i < j``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

STRATEGIES = ("uniform", "variance", "active")
DEFAULT_FLOOR = 0.1


def pair_weights(
    pairs: Sequence[tuple[int, int]],
    counts: np.ndarray,
    wins: np.ndarray,
    *,
    strategy: str = "active",
    floor: float = DEFAULT_FLOOR,
    ratings: np.ndarray | None = None,
    errors: np.ndarray | None = None,
) -> np.ndarray:
    """Sampling probabilities of `pairs`.

    Parameters
    ----------
    pairs : sequence of (i, j)
        The candidate pairs.
    counts : ndarray, shape (n, n)
        Symmetric battle counts between generators.
    wins : ndarray, shape (n, n)
        ``wins[i, j]``: wins of i over j, ties counting one half.
    strategy : {"uniform", "active"}
    floor : float
        Share of the probability spread uniformly over all pairs (adaptive strategies).
    ratings, errors : ndarray, shape (n,), optional
        Current Elo-scale ratings and their standard errors. ``variance`` takes
        ``p`` from them when given (else from the smoothed win rate); ``active``
        also weighs each pair by the chance that its order is wrong.

    Returns
    -------
    ndarray, shape (len(pairs),)
        Probabilities summing to one.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown sampling strategy {strategy!r}; choose one of {STRATEGIES}")
    if not pairs:
        return np.zeros(0)
    uniform = np.full(len(pairs), 1.0 / len(pairs))
    if strategy == "uniform":
        return uniform
    idx = np.asarray(pairs)
    n = counts[idx[:, 0], idx[:, 1]].astype(float)
    if ratings is not None:
        diff = ratings[idx[:, 0]] - ratings[idx[:, 1]]
        p = 1.0 / (1.0 + 10.0 ** (-diff / 400.0))
    else:
        # Smoothed win rate: a pair never seen has p = 1/2, the largest variance.
        p = (wins[idx[:, 0], idx[:, 1]] + 1.0) / (n + 2.0)
    var = p * (1.0 - p)
    gain = np.sqrt(var / np.maximum(n, 1.0)) - np.sqrt(var / (n + 1.0))
    gain[n == 0] = np.sqrt(var[n == 0])  # the first vote removes all the unknown
    if strategy == "active" and ratings is not None and errors is not None:
        spread = np.sqrt(errors[idx[:, 0]] ** 2 + errors[idx[:, 1]] ** 2)
        gain = gain * stats.norm.sf(np.abs(diff) / np.maximum(spread, 1e-9))
    if gain.sum() <= 0:
        return uniform
    adaptive = gain / gain.sum()
    return (1.0 - floor) * adaptive + floor * uniform


def choose_pair(
    pairs: Sequence[tuple[int, int]],
    counts: np.ndarray,
    wins: np.ndarray,
    rng: np.random.Generator,
    *,
    strategy: str = "active",
    floor: float = DEFAULT_FLOOR,
    ratings: np.ndarray | None = None,
    errors: np.ndarray | None = None,
) -> tuple[int, int]:
    weights = pair_weights(pairs, counts, wins, strategy=strategy, floor=floor, ratings=ratings, errors=errors)
    return pairs[int(rng.choice(len(pairs), p=weights))]


def standard_errors(n_items: int, a: np.ndarray, b: np.ndarray, ratings: np.ndarray) -> np.ndarray:
    """Approximate standard errors of Elo-scale ratings from the Fisher information.

    Each battle between i and j adds ``p (1 - p)`` to both items' information
    (natural-log scale); items with no battle get an effectively infinite error.
    """
    p = 1.0 / (1.0 + 10.0 ** (-(ratings[a] - ratings[b]) / 400.0))
    info = np.zeros(n_items)
    np.add.at(info, a, p * (1 - p))
    np.add.at(info, b, p * (1 - p))
    return (400.0 / np.log(10.0)) / np.sqrt(np.maximum(info, 1e-9))
