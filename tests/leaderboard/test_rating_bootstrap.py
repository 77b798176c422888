"""Bootstrap intervals of leaderboard.rating."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from leaderboard.rating import A_WINS, B_WINS, bootstrap_strengths, elo_scale, fit_counts

# Named tolerances.
COVERAGE_RANGE = (0.90, 0.99)  # nominal 95%, 1000 intervals in the simulation


def simulate(rng: np.random.Generator, truth: np.ndarray, n_battles: int) -> tuple[np.ndarray, ...]:
    n = truth.size
    a = rng.integers(n, size=n_battles)
    b = (a + rng.integers(1, n, size=n_battles)) % n
    outcome = np.where(rng.random(n_battles) < expit(truth[a] - truth[b]), A_WINS, B_WINS)
    return a, b, outcome


def test_it_covers_the_truth_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(2024)
    truth = np.array([0.6, 0.3, 0.0, -0.2, -0.7])  # natural log scale
    true_ratings = elo_scale(truth)  # centred, as the fitted ratings are
    covered = total = 0
    for k in range(200):
        a, b, outcome = simulate(rng, truth, 400)
        fit = fit_counts(5, a, b, outcome, bootstrap=200, seed=k, workers=1)
        covered += int(np.sum((fit.ci_low <= true_ratings) & (true_ratings <= fit.ci_high)))
        total += truth.size
    assert COVERAGE_RANGE[0] <= covered / total <= COVERAGE_RANGE[1]


def test_it_is_reproducible_whatever_the_thread_count() -> None:
    rng = np.random.default_rng(1)
    a, b, outcome = simulate(rng, np.array([0.5, 0.0, -0.5, 0.2]), 500)
    one = bootstrap_strengths(4, a, b, outcome, rounds=130, seed=5, workers=1)
    two = bootstrap_strengths(4, a, b, outcome, rounds=130, seed=5, workers=3)
    assert one.shape == (130, 4)
    assert np.array_equal(one, two)
    other = bootstrap_strengths(4, a, b, outcome, rounds=130, seed=6, workers=1)
    assert not np.array_equal(one, other)


def test_it_resamples_the_battle_count() -> None:
    # With few battles the spread must be wide, with many narrow.
    rng = np.random.default_rng(2)
    truth = np.array([0.4, 0.0, -0.4])
    widths = []
    for n_battles in (100, 10_000):
        a, b, outcome = simulate(rng, truth, n_battles)
        fit = fit_counts(3, a, b, outcome, bootstrap=200)
        widths.append(float(np.mean(fit.ci_high - fit.ci_low)))
        assert np.all(fit.ci_low <= fit.rating) and np.all(fit.rating <= fit.ci_high)
    assert widths[0] > 5 * widths[1]


def test_it_skips_intervals_without_bootstrap() -> None:
    fit = fit_counts(2, [0, 1], [1, 0], [A_WINS, A_WINS], bootstrap=0)
    assert np.all(np.isnan(fit.ci_low)) and fit.bootstrap.shape == (0, 2)
    assert fit.rank.tolist() == [1, 1]


def test_it_keeps_bootstrap_ratings_finite_on_sparse_data() -> None:
    # Tiny data: some resamples have no finite estimate; they must not blow up.
    a = [0, 1, 2, 0, 1]
    b = [1, 2, 0, 2, 0]
    outcome = [A_WINS, A_WINS, A_WINS, B_WINS, B_WINS]
    fit = fit_counts(3, a, b, outcome, bootstrap=200)
    assert np.all(np.isfinite(fit.bootstrap))
    regularised = fit_counts(3, a, b, outcome, bootstrap=200, alpha=0.5)
    assert np.all(regularised.ci_high - regularised.ci_low < fit.ci_high - fit.ci_low)
