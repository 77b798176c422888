"""The pure correlation math, against SciPy and hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from leaderboard import correlation as corr
from metrics.aggregate import METRICS, model_means

HIGHER = METRICS["fscore"]  # any higher-is-better metric

TOL = 1e-12


def test_it_matches_scipy_on_random_rows_with_ties():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 9))
    y = x + rng.normal(size=(40, 9))
    y[:, 4] = y[:, 5]  # a tie
    x[:, 0] = x[:, 1]
    for name, reference in (("pearson", stats.pearsonr), ("spearman", stats.spearmanr), ("kendall", stats.kendalltau)):
        expected = np.array([reference(a, b)[0] for a, b in zip(x, y, strict=True)])
        assert np.allclose(corr.coefficient_rows(x, y, name), expected, atol=TOL)


@pytest.mark.parametrize("name", corr.COEFFICIENTS)
def test_it_gives_one_for_perfect_and_minus_one_for_reversed_order(name):
    x = np.arange(6.0)
    assert corr.coefficient(x, 2 * x + 1, name) == pytest.approx(1.0)
    assert corr.coefficient(x, -x, name) == pytest.approx(-1.0)


@pytest.mark.parametrize("name", ["spearman", "kendall"])
def test_it_ranks_monotone_relations_as_perfect(name):
    x = np.arange(6.0)
    assert corr.coefficient(x, np.exp(x), name) == pytest.approx(1.0)


def test_it_leaves_undefined_what_is_undefined():
    assert corr.coefficient([1, 2, 3], [5, 5, 5], "pearson") is None
    assert corr.coefficient([1, 2], [1, 2], "spearman") is None  # two models say nothing


def test_it_puts_the_estimate_inside_its_bootstrap_interval():
    rng = np.random.default_rng(0)
    x = np.linspace(900, 1100, 8)
    y = x / 100 + rng.normal(scale=0.4, size=8)
    boot_x = x + rng.normal(scale=15, size=(300, 8))
    boot_y = y + rng.normal(scale=0.3, size=(300, 8))
    for name, est in corr.correlations(x, y, boot_x, boot_y).items():
        assert est.low <= est.value <= est.high, name
        assert est.rounds == 300


def test_it_drops_models_without_a_value():
    est = corr.correlations([1, 2, 3, 4], [1, 2, np.nan, 4], np.tile([1, 2, 3, 4], (5, 1)),
                            np.tile([1, 2, 9, 4], (5, 1)))  # fmt: skip
    assert est["pearson"].value == pytest.approx(1.0)
    assert est["pearson"].low == pytest.approx(1.0)


def test_it_computes_kappa_on_a_hand_computed_table():
    # p_o = 35/50 = 0.7; p_e = 25/50 * 30/50 + 25/50 * 20/50 = 0.5; kappa = 0.2 / 0.5
    assert corr.cohen_kappa([[20, 5], [10, 15]]) == pytest.approx(0.4)
    assert corr.cohen_kappa([[10, 0], [0, 0]]) is None
    assert corr.cohen_kappa([[0, 7], [7, 0]]) == pytest.approx(-1.0)


def test_it_scores_vote_agreement_with_intervals():
    human = np.array([0] * 20 + [1] * 25 + [0] * 5 + [1] * 10)  # rows of the table above, then 10 undecided
    metric = np.array([0] * 20 + [1] * 15 + [0] * 10 + [1] * 5 + [-1] * 10)
    weights = corr.vote_weights(human.size, 200, np.random.default_rng(1))
    result = corr.agreement(human, metric, weights)
    assert result["n"] == 50 and result["n_total"] == 60
    assert result["table"] == [[20, 5], [10, 15]]
    assert result["accuracy"]["value"] == pytest.approx(0.7)
    assert result["kappa"]["value"] == pytest.approx(0.4)
    assert result["kappa"]["low"] < 0.4 < result["kappa"]["high"]


def test_it_prefers_the_better_value_and_an_asset_that_ran():
    a = np.array([0.1, 0.5, np.nan, 0.3, np.nan])
    b = np.array([0.2, 0.2, 0.4, 0.3, np.nan])
    assert corr.metric_choice(a, b, higher_is_better=False).tolist() == [0, 1, 1, -1, -1]
    assert corr.metric_choice(a, b, higher_is_better=True).tolist() == [1, 0, 1, -1, -1]


def test_it_pairs_votes_of_different_annotators_on_the_same_item():
    first, second = corr.repeated_pairs(["p", "p", "q", "p", "q"], ["u", "v", "u", "u", "u"], [0, 1, 0, 0, 1])
    # p: (u,0) (v,1) (u,0): two cross-annotator couples; q: one annotator only
    assert sorted(zip(first.tolist(), second.tolist(), strict=True)) == [(0, 1), (1, 0)]


def test_it_computes_both_means_like_the_aggregate_module():
    from metrics.aggregate import METRICS, conditional_mean, penalised_mean, worst_observed

    chamfer = METRICS["chamfer"]
    per_model = [[0.1, None, 0.3], [0.2, 0.6]]
    values = [np.array([np.nan if v is None else v for v in m]) for m in per_model]
    present = [np.ones(v.size, bool) for v in values]
    cond, pen = model_means(values, present, chamfer)
    worst = worst_observed([v for m in per_model for v in m], higher_is_better=False)
    assert cond.tolist() == pytest.approx([conditional_mean(m) for m in per_model])
    assert pen.tolist() == pytest.approx([penalised_mean(m, chamfer, worst=worst) for m in per_model])
    # The failure counts 1.5 x the worst of every model (0.6): (0.1 + 0.9 + 0.3) / 3.
    assert cond.tolist() == pytest.approx([0.2, 0.4]) and pen.tolist() == pytest.approx([1.3 / 3, 0.4])


def test_it_ignores_unknown_assets_and_resamples_assets():
    values = [np.array([1.0, 2.0, 50.0]), np.array([3.0])]
    present = [np.array([True, True, False]), np.array([True])]
    cond, _ = model_means(values, present, HIGHER)
    assert cond.tolist() == [1.5, 3.0]
    idx = corr.resample_indices([3, 1], 100, np.random.default_rng(0))
    boot, _ = model_means(values, present, HIGHER, idx)
    assert boot.shape == (100, 2)
    finite = boot[np.isfinite(boot[:, 0]), 0]
    assert finite.min() >= 1.0 and finite.max() <= 2.0  # the unknown 50.0 never counts


def test_it_makes_kappa_independent_of_arbitrary_labels_when_asked():
    first = np.array([0, 0, 0, 0, 1, 0, 0, 1])
    second = np.array([0, 0, 0, 1, 1, 0, 1, 0])
    plain = corr.agreement(first, second, symmetric=True)
    swapped = corr.agreement(1 - first, 1 - second, symmetric=True)
    assert plain["kappa"]["value"] == pytest.approx(swapped["kappa"]["value"])
    assert plain["kappa"]["value"] == pytest.approx(2 * plain["accuracy"]["value"] - 1)
