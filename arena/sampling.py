"""Choosing which two generators meet next (pure numpy, no Django).

Two strategies over the generator pairs that share at least one prompt:

* ``uniform``: every available pair equally likely;
* ``active``: the chat arena's rule, probability proportional to the drop in
  the standard error of the pair's win rate that one more vote would bring,
  ``sqrt(var / n) - sqrt(var / (n + 1))`` with ``var = p (1 - p)`` from the
  pair's smoothed win rate, mixed with a uniform floor so that no pair is ever
  starved.

Pairs are unordered index pairs ``(i, j)`` with ``i < j``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

STRATEGIES = ("uniform", "active")
DEFAULT_FLOOR = 0.1


def pair_weights(
    pairs: Sequence[tuple[int, int]],
    counts: np.ndarray,
    wins: np.ndarray,
    *,
    strategy: str = "active",
    floor: float = DEFAULT_FLOOR,
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
        Share of the probability spread uniformly over all pairs (active only).

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
    # Smoothed win rate: a pair never seen has p = 1/2, the largest variance.
    p = (wins[idx[:, 0], idx[:, 1]] + 1.0) / (n + 2.0)
    var = p * (1.0 - p)
    gain = np.sqrt(var / np.maximum(n, 1.0)) - np.sqrt(var / (n + 1.0))
    gain[n == 0] = np.sqrt(var[n == 0])  # the first vote removes all the unknown
    active = gain / gain.sum()
    return (1.0 - floor) * active + floor * uniform


def choose_pair(
    pairs: Sequence[tuple[int, int]],
    counts: np.ndarray,
    wins: np.ndarray,
    rng: np.random.Generator,
    *,
    strategy: str = "active",
    floor: float = DEFAULT_FLOOR,
) -> tuple[int, int]:
    weights = pair_weights(pairs, counts, wins, strategy=strategy, floor=floor)
    return pairs[int(rng.choice(len(pairs), p=weights))]
