"""The bootstrap's multinomial sampler and the rating command line's imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from leaderboard.rating import A_WINS, B_WINS, TIE, mle_exists, multinomial_counts, win_matrices

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n", [0, 1, 3, 7, 40, 1000, 123_457])
def test_every_draw_has_exactly_n_trials(n: int) -> None:
    p = np.array([0.5, 0.0, 0.2, 0.3, 0.0])
    counts = multinomial_counts(np.random.default_rng(n), n, p, 300)
    assert counts.shape == (300, 5) and counts.dtype == np.int64
    assert (counts.sum(axis=1) == n).all()
    assert (counts >= 0).all()
    assert (counts[:, [1, 4]] == 0).all()  # cells of probability zero are never drawn


def test_it_normalises_the_probabilities() -> None:
    counts = multinomial_counts(np.random.default_rng(0), 10_000, [2.0, 6.0], 200)
    assert (counts.sum(axis=1) == 10_000).all()
    assert counts[:, 0].mean() == pytest.approx(2500, rel=0.01)


def test_it_is_reproducible_by_seed() -> None:
    p = np.random.default_rng(0).random(50)
    one = multinomial_counts(np.random.default_rng(7), 5000, p, 40)
    two = multinomial_counts(np.random.default_rng(7), 5000, p, 40)
    other = multinomial_counts(np.random.default_rng(8), 5000, p, 40)
    assert np.array_equal(one, two)
    assert not np.array_equal(one, other)


@pytest.mark.parametrize("bad", [[], [0.0, 0.0], [0.5, -0.1]])
def test_it_rejects_bad_probabilities(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="non-negative probabilities"):
        multinomial_counts(np.random.default_rng(0), 10, bad, 1)


@pytest.mark.parametrize("n", [3, 30, 200])
def test_its_draws_follow_the_multinomial_law(n: int) -> None:
    # Joint law of (first cell, second cell) against the multinomial's, by a
    # chi-square test on a fixed seed (cells with small expectations merged).
    # n = 3 is drawn trial by trial; 30 and 200 mostly by Poisson counts.
    p = np.array([0.45, 0.35, 0.2])
    draws = 60_000
    counts = multinomial_counts(np.random.default_rng(11), n, p, draws)
    first, second = counts[:, 0], counts[:, 1]
    x, y = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    ok = x + y <= n
    cells = np.stack([x[ok], y[ok], n - x[ok] - y[ok]], axis=1)
    expected = stats.multinomial.pmf(cells, n, p) * draws
    observed = np.zeros((n + 1, n + 1))
    np.add.at(observed, (first, second), 1)
    observed = observed[ok]
    order = np.argsort(expected)
    small = np.cumsum(expected[order]) < 50  # pool the least likely outcomes into one cell
    keep = order[~small]
    pooled = order[small]
    obs = np.r_[observed[keep], observed[pooled].sum()] if pooled.size else observed[keep]
    exp = np.r_[expected[keep], expected[pooled].sum()] if pooled.size else expected[keep]
    assert obs.sum() == draws
    assert stats.chisquare(obs, exp * draws / exp.sum()).pvalue > 1e-3
    # and the moments, against rng.multinomial's law
    assert counts.mean(axis=0) == pytest.approx(n * p, rel=0.02)
    cov = np.cov(counts[:, :2].T)
    assert cov == pytest.approx(n * (np.diag(p[:2]) - np.outer(p[:2], p[:2])), rel=0.05)


def test_mle_exists_agrees_with_scipys_strongly_connected_components() -> None:
    rng = np.random.default_rng(4)
    for trial in range(60):
        n = int(rng.integers(2, 9))
        size = int(rng.integers(1, 14))
        a = rng.integers(n, size=size)
        b = (a + rng.integers(1, n, size=size)) % n
        outcome = rng.choice([A_WINS, B_WINS, TIE], size=size, p=[0.45, 0.45, 0.1])
        credit = np.array([1.0, 0.0, 0.5])[outcome]
        src = np.r_[a[credit > 0], b[credit < 1]]
        dst = np.r_[b[credit > 0], a[credit < 1]]
        graph = coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n))
        components, _ = connected_components(graph, directed=True, connection="strong")
        assert mle_exists(n, a, b, outcome) is bool(components == 1), trial


def test_win_matrices_sum_repeated_rows() -> None:
    fraction, count = win_matrices(3, [0, 0, 1, 0], [1, 1, 0, 2], [A_WINS, TIE, A_WINS, B_WINS], [2, 1, 1, 3])
    assert count.tolist() == [[0, 4, 3], [4, 0, 0], [3, 0, 0]]
    assert fraction[0, 1] == pytest.approx((2 + 0.5) / 4)
    assert fraction[1, 0] == pytest.approx((1 + 0.5) / 4)
    assert fraction[0, 2] == 0.0 and fraction[2, 0] == 1.0
    assert np.isnan(fraction[1, 2]) and np.isnan(fraction[0, 0])


def test_the_command_line_imports_no_scipy_for_the_plain_board(tmp_path: Path) -> None:
    path = tmp_path / "battles.jsonl"
    path.write_text(
        '{"model_a": "a", "model_b": "b", "winner": "model_a"}\n'
        '{"model_a": "b", "model_b": "c", "winner": "model_a"}\n'
        '{"model_a": "c", "model_b": "a", "winner": "model_a"}\n'
        '{"model_a": "a", "model_b": "c", "winner": "tie"}\n'
    )
    code = (
        "import sys\n"
        "from leaderboard.rating import main\n"
        f"assert main([{str(path)!r}, '--bootstrap', '50']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert '"model": "a"' in done.stdout
