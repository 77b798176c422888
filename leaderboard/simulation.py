"""Simulated voting from a known Bradley–Terry truth, through the real sampler.

How many votes does each sampling strategy need before the fitted ratings
recover the true ranking? Pure numpy/scipy; `arena_simulate` prints the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from arena.sampling import choose_pair, standard_errors
from leaderboard.rating import A_WINS, B_WINS, TIE, fit_counts

TAU_TARGET = 0.9
# The live arena refits when a snapshot lands; the simulation refits this often.
REFIT_EVERY = 50


@dataclass
class SimulationRun:
    strategy: str
    seed: int
    votes_to_target: int | None  # first checkpoint from which tau stays >= target
    final_tau: float
    mean_ci_width: float


def true_ratings(n_models: int, spread: float, rng: np.random.Generator) -> np.ndarray:
    """Elo-scale ratings spaced over `spread` points, in random order."""
    return rng.permutation(np.linspace(1000 - spread / 2, 1000 + spread / 2, n_models))


def simulate(
    *,
    strategy: str,
    votes: int,
    seed: int,
    n_models: int = 12,
    spread: float = 400.0,
    tie_rate: float = 0.1,
    checkpoint: int = 100,
    bootstrap: int = 100,
    on_checkpoint: Callable[[int], None] | None = None,
) -> SimulationRun:
    rng = np.random.default_rng(seed)
    truth = true_ratings(n_models, spread, rng)
    pairs = [(i, j) for i in range(n_models) for j in range(i + 1, n_models)]
    counts, wins = np.zeros((n_models, n_models)), np.zeros((n_models, n_models))
    rows: list[tuple[int, int, int]] = []
    taus: list[tuple[int, float]] = []
    ratings: np.ndarray | None = None
    errors: np.ndarray | None = None
    for k in range(1, votes + 1):
        i, j = choose_pair(pairs, counts, wins, rng, strategy=strategy, ratings=ratings, errors=errors)
        outcome = _draw(truth[i], truth[j], tie_rate, rng)
        rows.append((i, j, outcome))
        counts[i, j] += 1
        counts[j, i] += 1
        share = 1.0 if outcome == A_WINS else 0.0 if outcome == B_WINS else 0.5
        wins[i, j] += share
        wins[j, i] += 1.0 - share
        if strategy != "uniform" and k % REFIT_EVERY == 0:
            ratings = _ratings(rows, n_models)
            a, b, _ = _arrays(rows)
            errors = standard_errors(n_models, a, b, ratings)
        if k % checkpoint == 0:
            taus.append((k, float(stats.kendalltau(_ratings(rows, n_models), truth).statistic)))
            if on_checkpoint:
                on_checkpoint(k)
    return SimulationRun(
        strategy=strategy,
        seed=seed,
        votes_to_target=_first_stable(taus),
        final_tau=taus[-1][1] if taus else float("nan"),
        mean_ci_width=_ci_width(rows, n_models, bootstrap, seed),
    )


def _draw(r_a: float, r_b: float, tie_rate: float, rng: np.random.Generator) -> int:
    if rng.random() < tie_rate:
        return TIE
    p_a = 1.0 / (1.0 + 10 ** ((r_b - r_a) / 400.0))
    return A_WINS if rng.random() < p_a else B_WINS


def _arrays(rows: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    data = np.asarray(rows, dtype=np.int64)
    return data[:, 0], data[:, 1], data[:, 2]


def _ratings(rows: list[tuple[int, int, int]], n_models: int) -> np.ndarray:
    a, b, outcome = _arrays(rows)
    # A small ridge keeps early, sparse fits finite; it hardly moves the order.
    return fit_counts(n_models, a, b, outcome, bootstrap=0, alpha=1e-3).rating


def _first_stable(taus: list[tuple[int, float]]) -> int | None:
    for position, (votes, _) in enumerate(taus):
        if all(tau >= TAU_TARGET for _, tau in taus[position:]):
            return votes
    return None


def _ci_width(rows: list[tuple[int, int, int]], n_models: int, bootstrap: int, seed: int) -> float:
    a, b, outcome = _arrays(rows)
    fit = fit_counts(n_models, a, b, outcome, bootstrap=bootstrap, seed=seed, alpha=1e-3)
    return float(np.mean(fit.ci_high - fit.ci_low))
