"""Known answers and reference implementations for leaderboard.rating."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import choix
import numpy as np
import pytest
from scipy.optimize import check_grad, minimize
from scipy.special import expit

from leaderboard import rating
from leaderboard.rating import (
    A_WINS,
    B_WINS,
    BOTH_BAD,
    TIE,
    WINNERS,
    BattleCounts,
    Battles,
    bt_objective,
    elo_scale,
    fit_counts,
    fit_leaderboard,
    interval_ranks,
    mle_exists,
    mle_strengths,
    model_totals,
    online_elo,
    win_matrices,
)

DATA = Path(__file__).parent / "data"

# Named tolerances.
KNOWN_ANSWER_TOL = 1e-4  # answers published to 4 decimals
TEXTBOOK_TOL = 1e-3  # answers published to 3 decimals
EXACT_FIT_TOL = 1e-6  # two exact maximum-likelihood fits (natural log units)
CHOIX_TOL = 1e-4  # choix stops at its own, looser tolerance
CHAT_ARENA_TOL = 1.0  # rating points, as the issue asks
GRADIENT_TOL = 1e-6  # relative error of the analytic gradient


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def wins_only(comparisons: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs = np.asarray(comparisons)
    return pairs[:, 0], pairs[:, 1], np.full(len(pairs), A_WINS)


def random_battles(
    n_items: int, n_battles: int, seed: int, tie_rate: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 0.8, n_items)
    a = rng.integers(n_items, size=n_battles)
    b = (a + rng.integers(1, n_items, size=n_battles)) % n_items
    outcome = np.where(rng.random(n_battles) < expit(theta[a] - theta[b]), A_WINS, B_WINS)
    tied = rng.random(n_battles) < tie_rate
    outcome[tied] = rng.choice([TIE, BOTH_BAD], size=int(tied.sum()))
    return a, b, outcome


def direct_mle(n_items: int, a: np.ndarray, b: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Maximum likelihood on individual battles, ties as half a win."""
    y = np.array([1.0, 0.0, 0.5, 0.5])[outcome]

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p = expit(theta[a] - theta[b])
        value = -np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))
        g = p - y
        grad = np.bincount(a, g, minlength=n_items) - np.bincount(b, g, minlength=n_items)
        return value, grad

    res = minimize(fun, np.zeros(n_items), jac=True, method="BFGS", options={"gtol": 1e-10})
    return res.x - res.x.mean()


def chat_arena_mle_elo(
    battles: list[tuple[str, str, str]], scale: float = 400, base: float = 10, init: float = 1000
) -> dict[str, float]:
    """The chat arena's compute_mle_elo, re-implemented as they describe it.

    Each battle is duplicated; a win for model_a is two positive rows, a
    tie one positive and one negative row; features are +ln(base) for
    model_a and -ln(base) for model_b; unregularised logistic regression
    without intercept (here by scipy instead of scikit-learn).
    """
    models = list(dict.fromkeys(m for a, b, _ in battles for m in (a, b)))
    index = {m: k for k, m in enumerate(models)}
    doubled = battles + battles
    n, p = len(doubled), len(models)
    x = np.zeros((n, p))
    x[np.arange(n), [index[a] for a, _, _ in doubled]] = +math.log(base)
    x[np.arange(n), [index[b] for _, b, _ in doubled]] = -math.log(base)
    y = np.array([w == "model_a" for _, _, w in doubled], dtype=float)
    tie = np.array([w in ("tie", "tie (bothbad)") for _, _, w in doubled])
    tie[len(tie) // 2 :] = False
    y[tie] = 1.0

    def logistic_loss(coef: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ coef
        loss = np.sum(np.logaddexp(0.0, z) - y * z)
        return loss, x.T @ (expit(z) - y)

    coef = minimize(logistic_loss, np.zeros(p), jac=True, method="L-BFGS-B",
                    options={"gtol": 1e-10, "ftol": 0.0, "maxiter": 10_000}).x  # fmt: skip
    return dict(zip(models, scale * coef + init, strict=True))


def chat_arena_online_elo(battles: list[tuple[str, str, str]], k: float = 4) -> dict[str, float]:
    """The chat arena's compute_elo (K=4, base 10, scale 400, start 1000)."""
    r: dict[str, float] = defaultdict(lambda: 1000.0)
    for a, b, winner in battles:
        ea = 1 / (1 + 10 ** ((r[b] - r[a]) / 400))
        eb = 1 / (1 + 10 ** ((r[a] - r[b]) / 400))
        sa = {"model_a": 1.0, "model_b": 0.0}.get(winner, 0.5)
        r[a] += k * (sa - ea)
        r[b] += k * (1 - sa - eb)
    return dict(r)


# --- known answers ---------------------------------------------------------


def test_it_matches_choix_published_pairwise_case() -> None:
    case = load("choix_pairwise.json")
    got = mle_strengths(case["n_items"], *wins_only(case["comparisons"]))
    assert np.allclose(got, case["strengths"], atol=KNOWN_ANSWER_TOL)


def test_it_gives_zero_strengths_for_a_three_cycle() -> None:
    case = load("three_cycle.json")
    got = mle_strengths(case["n_items"], *wins_only(case["comparisons"]))
    assert np.allclose(got, case["strengths"], atol=KNOWN_ANSWER_TOL)


def test_it_matches_the_textbook_example() -> None:
    case = load("textbook.json")
    items = case["items"]
    a, b, outcome, count = [], [], [], []
    for first, second, wins_first, wins_second in case["results"]:
        for code, n in ((A_WINS, wins_first), (B_WINS, wins_second)):
            a.append(items.index(first))
            b.append(items.index(second))
            outcome.append(code)
            count.append(n)
    strengths = np.exp(mle_strengths(len(items), a, b, outcome, count))  # geometric mean 1
    expected = [case["strengths"][name] for name in items]
    assert np.allclose(strengths, expected, atol=TEXTBOOK_TOL)


# --- reference implementations -------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_it_agrees_with_a_direct_fit_on_individual_battles(seed: int) -> None:
    a, b, outcome = random_battles(8, 600, seed)
    ours = mle_strengths(8, a, b, outcome)
    assert np.allclose(ours, direct_mle(8, a, b, outcome), atol=EXACT_FIT_TOL)


def test_it_agrees_with_choix_on_wins_only_data() -> None:
    a, b, outcome = random_battles(6, 400, seed=3, tie_rate=0.0)
    data = [(int(x), int(y)) if o == A_WINS else (int(y), int(x)) for x, y, o in zip(a, b, outcome, strict=True)]
    ours = mle_strengths(6, a, b, outcome)
    ilsr = choix.ilsr_pairwise(6, data, alpha=0.0, tol=1e-12, max_iter=10_000)
    assert np.allclose(ours, ilsr - ilsr.mean(), atol=CHOIX_TOL)
    opt = choix.opt_pairwise(6, data, alpha=1e-6, tol=1e-10)
    ours_reg = mle_strengths(6, a, b, outcome, alpha=1e-6)
    assert np.allclose(ours_reg, opt - opt.mean(), atol=CHOIX_TOL)


def test_it_uses_choix_convention_for_alpha_on_sparse_data() -> None:
    # Item 0 never loses: no finite unregularised estimate, a finite regularised one.
    data = [(0, 1), (0, 2), (1, 2), (2, 1), (1, 3), (3, 2)]
    a, b, outcome = wins_only([list(d) for d in data])
    assert mle_exists(4, a, b, outcome) is False
    expected = choix.opt_pairwise(4, data, alpha=0.1, tol=1e-10)
    assert np.allclose(mle_strengths(4, a, b, outcome, alpha=0.1), expected, atol=CHOIX_TOL)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_it_agrees_with_the_chat_arena_mle_elo(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    a, b, outcome = random_battles(7, int(rng.integers(300, 900)), seed=seed)
    names = [f"m{k}" for k in range(7)]
    records = [
        {"model_a": names[x], "model_b": names[y], "winner": WINNERS[o]} for x, y, o in zip(a, b, outcome, strict=True)
    ]
    board = fit_leaderboard(Battles.from_records(records), bootstrap=0)
    reference = chat_arena_mle_elo([(r["model_a"], r["model_b"], r["winner"]) for r in records])
    for row in board.rows:
        assert row["rating"] == pytest.approx(reference[row["model"]], abs=CHAT_ARENA_TOL)


def test_it_matches_the_chat_arena_online_elo() -> None:
    a, b, outcome = random_battles(5, 300, seed=4)
    names = [f"m{k}" for k in range(5)]
    battles = [(names[x], names[y], WINNERS[o]) for x, y, o in zip(a, b, outcome, strict=True)]
    reference = chat_arena_online_elo(battles)
    got = online_elo(5, a, b, outcome)
    assert np.allclose(got, [reference[n] for n in names], atol=1e-9)


def test_it_updates_online_elo_by_hand() -> None:
    # Equal ratings: expected score 0.5, so a win moves each side by K/2 = 2.
    assert np.allclose(online_elo(2, [0], [1], [A_WINS]), [1002.0, 998.0])
    assert np.allclose(online_elo(3, [0], [1], [TIE]), [1000.0, 1000.0, 1000.0])


# --- the objective ---------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_it_has_a_correct_analytic_gradient(alpha: float) -> None:
    rng = np.random.default_rng(7)
    pairs_i = np.array([0, 0, 1, 2, 3, 1])
    pairs_j = np.array([1, 2, 2, 3, 4, 4])
    totals = rng.integers(1, 20, size=6).astype(float)
    wins = np.floor(rng.random(6) * totals * 2) / 2  # half wins from ties
    for _ in range(5):
        params = rng.normal(size=5)

        def value(p: np.ndarray) -> float:
            return bt_objective(p, pairs_i, pairs_j, wins, totals, alpha)[0]

        def grad(p: np.ndarray) -> np.ndarray:
            return bt_objective(p, pairs_i, pairs_j, wins, totals, alpha)[1]

        error = check_grad(value, grad, params, epsilon=1e-6)
        assert error <= GRADIENT_TOL * max(1.0, float(np.linalg.norm(grad(params))))


def test_it_has_zero_gradient_at_the_fitted_strengths() -> None:
    a, b, outcome = random_battles(6, 500, seed=8)
    theta = mle_strengths(6, a, b, outcome)
    cells = rating._cells(6, a, b, outcome, None, False, False)
    wins, totals = cells.pair_stats(cells.cell_count)
    _, grad = bt_objective(theta, cells.pair_i, cells.pair_j, wins, totals)
    assert np.abs(grad).max() <= 1e-8 * len(a)


@pytest.mark.parametrize("alpha", [0.0, 5.0])
def test_it_fits_bootstrap_rounds_like_lbfgs(alpha: float) -> None:
    # The batched Newton solver must land on the same optimum as L-BFGS.
    a, b, outcome = random_battles(10, 800, seed=9)
    cells = rating._cells(10, a, b, outcome, None, False, False)
    counts = np.random.default_rng(0).multinomial(cells.n_battles, cells.cell_count / cells.n_battles, size=6)
    wins, totals = cells.pair_stats(counts)
    start = mle_strengths(10, a, b, outcome, alpha=alpha)
    newton, converged = rating._newton_batch(cells, wins, totals, alpha, start)
    assert converged.all()
    for r in range(6):
        lbfgs = rating._lbfgs(cells, wins[r], totals[r], alpha, np.zeros(10))
        assert np.allclose(newton[r] - newton[r].mean(), lbfgs - lbfgs.mean(), atol=EXACT_FIT_TOL)


# --- scales, counts and matrices --------------------------------------------


def test_it_centres_ratings_at_1000_on_the_elo_scale() -> None:
    theta = np.array([math.log(10), 0.0])  # ten-to-one odds: 400 points apart
    ratings = elo_scale(theta)
    assert ratings.mean() == pytest.approx(1000.0)
    assert ratings[0] - ratings[1] == pytest.approx(400.0)


def test_it_anchors_one_model() -> None:
    a, b, outcome = random_battles(5, 400, seed=10)
    centred = fit_counts(5, a, b, outcome, bootstrap=50)
    anchored = fit_counts(5, a, b, outcome, bootstrap=50, anchor=(2, 1114.0))
    assert anchored.rating[2] == pytest.approx(1114.0)
    shift = anchored.rating - centred.rating
    assert np.allclose(shift, shift[0])
    assert anchored.ci_low[2] == pytest.approx(1114.0) == anchored.ci_high[2]
    with pytest.raises(ValueError, match="anchor item 5"):
        fit_counts(5, a, b, outcome, bootstrap=0, anchor=(5, 1000.0))


def test_it_anchors_by_model_name() -> None:
    records = [
        {"model_a": "x", "model_b": "y", "winner": "model_a"},
        {"model_a": "y", "model_b": "x", "winner": "model_a"},
        {"model_a": "x", "model_b": "y", "winner": "model_a"},
    ]
    board = fit_leaderboard(Battles.from_records(records), bootstrap=0, anchor=("y", 1200.0))
    by_model = {r["model"]: r for r in board.rows}
    assert by_model["y"]["rating"] == pytest.approx(1200.0)
    assert by_model["x"]["rating"] == pytest.approx(1200.0 + 400 * math.log10(2))
    with pytest.raises(ValueError, match="anchor model 'z'"):
        fit_leaderboard(Battles.from_records(records), bootstrap=0, anchor=("z", 1200.0))


def test_it_counts_ties_and_bothbad_as_half_wins() -> None:
    # One win each way plus a tie and a both-bad: dead level.
    theta = mle_strengths(2, [0, 0, 0, 0], [1, 1, 1, 1], [A_WINS, B_WINS, TIE, BOTH_BAD])
    assert np.allclose(theta, 0.0, atol=EXACT_FIT_TOL)
    # A win and a tie: credit 1.5 to 0.5, odds of three to one.
    theta = mle_strengths(2, [0, 1], [1, 0], [A_WINS, TIE])
    assert theta[0] - theta[1] == pytest.approx(math.log(3))


def test_it_excludes_ties_and_bothbad_on_request() -> None:
    a, b, outcome = random_battles(6, 500, seed=11, tie_rate=0.3)
    decisive = outcome <= B_WINS
    no_ties = mle_strengths(6, a, b, outcome, exclude_ties=True, exclude_bothbad=True)
    assert np.allclose(no_ties, mle_strengths(6, a[decisive], b[decisive], outcome[decisive]))
    keep = outcome != BOTH_BAD
    assert np.allclose(
        mle_strengths(6, a, b, outcome, exclude_bothbad=True),
        mle_strengths(6, a[keep], b[keep], outcome[keep]),
    )
    fit = fit_counts(6, a, b, outcome, bootstrap=0, exclude_ties=True)
    assert fit.ties.sum() == 0
    assert fit.bothbad.sum() == 2 * np.sum(outcome == BOTH_BAD)
    assert fit.battles.sum() == 2 * np.sum(outcome != TIE)


def test_it_tallies_battles_per_model() -> None:
    a = [0, 0, 1, 2, 2]
    b = [1, 2, 0, 0, 1]
    outcome = [A_WINS, TIE, A_WINS, BOTH_BAD, B_WINS]
    totals = model_totals(3, a, b, outcome)
    assert totals["battles"].tolist() == [4, 3, 3]
    assert totals["wins"].tolist() == [1, 2, 0]
    assert totals["ties"].tolist() == [1, 0, 1]
    assert totals["bothbad"].tolist() == [1, 0, 1]
    assert totals["losses"].tolist() == [1, 1, 1]
    fit = fit_counts(3, a, b, outcome, bootstrap=0)
    assert fit.win_rate.tolist() == pytest.approx([(1 + 1) / 4, 2 / 3, 1 / 3])


def test_it_builds_the_win_and_count_matrices() -> None:
    a = [0, 1, 0, 2]
    b = [1, 0, 1, 0]
    outcome = [A_WINS, A_WINS, TIE, B_WINS]
    counts = [3, 1, 2, 5]
    wins, battles = win_matrices(3, a, b, outcome, counts)
    assert battles.tolist() == [[0, 6, 5], [6, 0, 0], [5, 0, 0]]
    assert wins[0, 1] == pytest.approx((3 + 1) / 6)  # 3 wins + half of 2 ties
    assert wins[1, 0] == pytest.approx((1 + 1) / 6)
    assert wins[0, 2] == pytest.approx(1.0)
    assert wins[2, 0] == pytest.approx(0.0)
    assert np.isnan(wins[1, 2]) and np.isnan(wins[0, 0])


def test_it_aggregates_before_fitting() -> None:
    a, b, outcome = random_battles(5, 300, seed=12)
    battles = Battles(tuple("vwxyz"), a, b, outcome)
    counts = battles.counts()
    assert counts.count.sum() == 300
    assert len(counts.count) == len(set(zip(a.tolist(), b.tolist(), outcome.tolist(), strict=True)))
    assert np.allclose(
        mle_strengths(5, a, b, outcome), mle_strengths(5, counts.a, counts.b, counts.outcome, counts.count)
    )


def test_it_fits_from_counts_like_from_battles() -> None:
    a, b, outcome = random_battles(5, 300, seed=13)
    battles = Battles(tuple("vwxyz"), a, b, outcome)
    from_battles = fit_leaderboard(battles, bootstrap=100, seed=1)
    from_counts = fit_leaderboard(battles.counts(), bootstrap=100, seed=1)
    for one, two in zip(from_battles.rows, from_counts.rows, strict=True):
        assert two["elo_online"] is None
        one = {k: v for k, v in one.items() if k != "elo_online"}
        assert one == {k: v for k, v in two.items() if k != "elo_online"}


def test_it_returns_rows_sorted_by_rating_with_matrices_in_board_order() -> None:
    a, b, outcome = random_battles(6, 600, seed=14)
    names = ("f", "e", "d", "c", "b", "a")
    board = fit_leaderboard(Battles(names, a, b, outcome), bootstrap=100)
    ratings = [r["rating"] for r in board.rows]
    assert ratings == sorted(ratings, reverse=True)
    assert board.models == tuple(r["model"] for r in board.rows)
    assert set(board.rows[0]) >= {
        "model", "rating", "ci_low", "ci_high", "rank", "battles",
        "wins", "ties", "losses", "win_rate", "elo_online",
    }  # fmt: skip
    top, second = (names.index(m) for m in board.models[:2])
    wins, counts = win_matrices(6, a, b, outcome)
    assert board.count_matrix[0, 1] == counts[top, second]
    assert board.win_matrix[0, 1] == pytest.approx(wins[top, second])
    assert board.n_battles == 600


def test_it_leaves_off_models_without_counted_battles() -> None:
    records = [
        {"model_a": "x", "model_b": "y", "winner": "model_a"},
        {"model_a": "y", "model_b": "x", "winner": "model_a"},
        {"model_a": "x", "model_b": "z", "winner": "tie"},
    ]
    board = fit_leaderboard(Battles.from_records(records), bootstrap=0, exclude_ties=True)
    assert board.models == ("x", "y") or board.models == ("y", "x")
    with pytest.raises(ValueError, match="without battles"):
        mle_strengths(3, [0], [1], [A_WINS])


def test_it_drops_non_anonymous_battles() -> None:
    records = [
        {"model_a": "x", "model_b": "y", "winner": "model_a", "anony": True},
        {"model_a": "x", "model_b": "y", "winner": "model_b", "anony": False},
        {"model_a": "y", "model_b": "z", "winner": "model_b", "judge": "someone", "tstamp": 1.5},
    ]
    battles = Battles.from_records(records)
    assert len(battles) == 2
    assert battles.models == ("x", "y", "z")


def test_it_keeps_the_given_model_order() -> None:
    records = [{"model_a": "x", "model_b": "y", "winner": "model_a"}]
    battles = Battles.from_records(records, models=["y", "x", "w"])
    assert battles.a.tolist() == [1] and battles.b.tolist() == [0]
    with pytest.raises(ValueError, match="'x' is not in the given models"):
        Battles.from_records(records, models=["y"])


def test_it_validates_count_arrays() -> None:
    with pytest.raises(ValueError, match="indices"):
        BattleCounts(("x", "y"), [0], [2], [A_WINS], [1])
    with pytest.raises(ValueError, match="itself"):
        BattleCounts(("x", "y"), [0], [0], [A_WINS], [1])
    with pytest.raises(ValueError, match="outcome"):
        BattleCounts(("x", "y"), [0], [1], [7], [1])
    with pytest.raises(ValueError, match="same length"):
        BattleCounts(("x", "y"), [0, 1], [1], [A_WINS], [1])


def test_it_ranks_overlapping_intervals_together() -> None:
    ranks = interval_ranks([10, 5, 0, -10], [20, 12, 6, -5])
    assert ranks.tolist() == [1, 1, 2, 4]


def test_it_shares_a_rank_between_indistinguishable_models() -> None:
    # x and y are identical in every battle; z is far behind.
    records = []
    for first in ("x", "y"):
        records += [{"model_a": first, "model_b": "z", "winner": "model_a"}] * 30
        records += [{"model_a": first, "model_b": "z", "winner": "model_b"}] * 5
    records += [{"model_a": "x", "model_b": "y", "winner": w} for w in ("model_a", "model_b") * 10]
    board = fit_leaderboard(Battles.from_records(records), bootstrap=300)
    ranks = {r["model"]: r["rank"] for r in board.rows}
    assert ranks == {"x": 1, "y": 1, "z": 3}
