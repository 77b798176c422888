"""Benchmark of the leaderboard fit: ``python -m leaderboard.bench``.

With ``--refresh``, the refresh after a vote on a release-sized arena instead
(:mod:`leaderboard.refresh_bench`).

Generates battles from a known Bradley–Terry truth (seeded), times
:func:`leaderboard.rating.fit_leaderboard` (point estimate plus bootstrap),
and times a naive reference in the same run: each bootstrap round resamples
the individual battles and refits them with scipy's L-BFGS, without
aggregating. The naive reference runs only a few rounds; its total is
extrapolated and labelled as such. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit
from scipy.stats import spearmanr

from leaderboard.rating import (
    A_WINS,
    B_WINS,
    BOTH_BAD,
    ELO_FACTOR,
    TIE,
    Battles,
    aggregate,
    fit_leaderboard,
    online_elo,
)


def simulate_battles(
    n_models: int, n_battles: int, *, tie_rate: float = 0.1, spread: float = 150.0, seed: int = 0
) -> tuple[Battles, NDArray[np.float64]]:
    """Random battles from a Bradley–Terry truth.

    Pairs are uniform; a battle is a tie with probability ``tie_rate`` (half
    of them both-bad), otherwise decided by the truth.

    Returns
    -------
    battles : Battles
    truth : numpy.ndarray
        True ratings (Elo scale, mean 1000, standard deviation ``spread``).
    """
    rng = np.random.default_rng(seed)
    truth = 1000.0 + spread * rng.standard_normal(n_models)
    truth += 1000.0 - truth.mean()
    a = rng.integers(n_models, size=n_battles)
    b = (a + rng.integers(1, n_models, size=n_battles)) % n_models
    p_a = expit((truth[a] - truth[b]) / ELO_FACTOR)
    outcome = np.where(rng.random(n_battles) < p_a, A_WINS, B_WINS)
    tied = rng.random(n_battles) < tie_rate
    outcome[tied] = np.where(rng.random(int(tied.sum())) < 0.5, TIE, BOTH_BAD)
    names = tuple(f"model-{k:03d}" for k in range(n_models))
    return Battles(names, a, b, outcome), truth


def naive_fit(
    n_models: int, a: NDArray[np.int64], b: NDArray[np.int64], score: NDArray[np.float64]
) -> NDArray[np.float64]:
    """One fit on individual battles (ties as 0.5), L-BFGS from zero."""
    n = float(a.size)

    def fun(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        d = theta[a] - theta[b]
        value = np.sum(np.logaddexp(0.0, -d) + (1.0 - score) * d) / n
        g = (expit(d) - score) / n
        grad = np.bincount(a, g, minlength=n_models) - np.bincount(b, g, minlength=n_models)
        return float(value), grad.astype(np.float64)

    res = minimize(fun, np.zeros(n_models), jac=True, method="L-BFGS-B", options={"gtol": 1e-8})
    return np.asarray(res.x)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leaderboard.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--naive-rounds", type=int, default=3, help="naive rounds actually run")
    parser.add_argument("--tie-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="bootstrap threads")
    parser.add_argument(
        "--refresh", action="store_true", help="time the refresh after a vote on a release-sized arena instead"
    )
    parser.add_argument("--database-url", default="", help="with --refresh: a database to empty and use")
    args = parser.parse_args(argv)
    if args.refresh:
        from leaderboard import refresh_bench

        return refresh_bench.main(args.database_url, args.seed)

    t0 = time.perf_counter()
    battles, truth = simulate_battles(args.models, args.battles, tie_rate=args.tie_rate, seed=args.seed)
    t_gen = time.perf_counter() - t0

    n = len(battles.models)
    t0 = time.perf_counter()
    counts = battles.counts()
    t_agg = time.perf_counter() - t0
    t0 = time.perf_counter()
    point = fit_leaderboard(counts, bootstrap=0)
    t_point = time.perf_counter() - t0
    t0 = time.perf_counter()
    board = fit_leaderboard(counts, bootstrap=args.rounds, seed=args.seed, workers=args.workers)
    t_board = time.perf_counter() - t0
    t0 = time.perf_counter()
    online_elo(n, battles.a, battles.b, battles.outcome)
    t_elo = time.perf_counter() - t0
    t0 = time.perf_counter()
    fit_leaderboard(battles, bootstrap=args.rounds, seed=args.seed, workers=args.workers)
    t_full = time.perf_counter() - t0

    score = np.array([1.0, 0.0, 0.5, 0.5])[battles.outcome]
    rng = np.random.default_rng(args.seed)
    naive_times = []
    for _ in range(args.naive_rounds):
        t0 = time.perf_counter()
        idx = rng.integers(len(battles), size=len(battles))
        naive_fit(n, battles.a[idx], battles.b[idx], score[idx])
        naive_times.append(time.perf_counter() - t0)
    per_round = float(np.mean(naive_times)) if naive_times else float("nan")
    naive_total = per_round * (args.rounds + 1)

    rating = {r["model"]: r["rating"] for r in board.rows}
    ours = np.array([rating[m] for m in battles.models])
    rho = spearmanr(ours, truth).statistic
    unique_rows = len(aggregate(n, battles.a, battles.b, battles.outcome)[0])
    assert point.rows[0]["rating"] == board.rows[0]["rating"]

    print("# Leaderboard fit benchmark\n")
    print(
        f"{args.battles:,} battles, {args.models} models, {args.rounds} bootstrap rounds, "
        f"tie rate {args.tie_rate}, seed {args.seed}; {unique_rows:,} unique (a, b, winner) rows; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}.\n"
    )
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| generate battles (not part of the fit) | {t_gen:.2f} |")
    print(f"| aggregate to counts | {t_agg:.2f} |")
    print(f"| point estimate only (from counts) | {t_point:.2f} |")
    print(f"| point estimate + {args.rounds}-round bootstrap (from counts) | {t_board:.2f} |")
    print(f"| online Elo (K=4, sequential) | {t_elo:.2f} |")
    print(f"| **fit_leaderboard(battles), everything** | **{t_full:.2f}** |")
    if naive_times:
        k = len(naive_times)
        print(f"| naive: one round (resample + L-BFGS on individual battles), mean of {k} | {per_round:.2f} |")
        print(f"| naive: point estimate + {args.rounds} rounds, *extrapolated* from {k} rounds | {naive_total:.0f} |")
        print(f"\nSpeed-up over the naive reference (extrapolated): {naive_total / t_full:.0f}x.")
    print(f"Spearman correlation of fitted ratings with the truth: {rho:.4f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
