"""The judge-evaluation figures (`leaderboard.judging`) on small cases checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from leaderboard import correlation as corr
from leaderboard import judging

EXACT = 1e-12


def test_it_counts_pairs_whose_intervals_do_not_overlap():
    # (0,2) and (1,3) overlap; both lie below (5,6): 2 of 3 pairs separated.
    result = judging.separability([0, 1, 5], [2, 3, 6])
    assert result == {"value": pytest.approx(2 / 3, abs=EXACT), "separated": 2, "n_pairs": 3}


def test_it_treats_touching_intervals_as_separated_and_leaves_out_missing_ones():
    result = judging.separability([0, 2, np.nan], [2, 4, np.nan])
    assert result == {"value": 1.0, "separated": 1, "n_pairs": 1}
    assert judging.separability([0], [1])["value"] is None


def test_it_refuses_an_interval_upside_down():
    with pytest.raises(ValueError, match="low bound above"):
        judging.separability([3, 0], [1, 1])


def test_it_scores_agreement_with_confidence_plus_one_minus_one_and_zero():
    # Human board: three models wholly apart, 0 < 1 < 2 (three separated pairs).
    human_low, human_high = [0, 10, 20], [1, 11, 21]
    # Judge: 1 above 0 (agrees), 2 and 1 overlap (0), 0 above 2 (disagrees).
    judge_low, judge_high = [30, 40, 10], [35, 50, 45]
    # pairs: (0,1): judge 1 above 0? low1=40 >= high0=35: yes, agrees. (0,2): low0=30 < high2=45: overlap -> 0.
    # (1,2): low1=40 < high2=45: overlap -> 0.
    result = judging.agreement_with_confidence(judge_low, judge_high, human_low, human_high)
    assert result == {"value": pytest.approx(1 / 3, abs=EXACT), "n_pairs": 3, "agree": 1, "disagree": 0,
                      "unseparated": 2}  # fmt: skip
    reversed_judge = judging.agreement_with_confidence([20, 10, 0], [21, 11, 1], human_low, human_high)
    assert reversed_judge["value"] == -1.0 and reversed_judge["disagree"] == 3


def test_it_counts_only_pairs_the_human_board_separates():
    # The human board cannot tell 0 and 1 apart: the judge's confident order on them counts nowhere.
    result = judging.agreement_with_confidence([0, 10], [1, 11], [0, 0.5], [1, 1.5])
    assert result["value"] is None and result["n_pairs"] == 0


def test_it_leaves_out_a_model_missing_from_the_judge_board():
    result = judging.agreement_with_confidence([0, np.nan, 10], [1, np.nan, 11], [0, 5, 10], [1, 6, 11])
    assert (result["n_pairs"], result["agree"]) == (1, 1)


def test_it_computes_the_pair_brier_score_by_hand():
    # Human order: 2 > 1 > 0, all separated. Judge ratings 1000, 1000, 1400.
    # P(1 beats 0) = 0.5 -> 0.25; P(2 beats 0) = P(2 beats 1) = 1 / (1 + 10**-1) = 10/11 -> (1/11)**2 each.
    result = judging.pair_brier([1000, 1000, 1400], [0, 3, 5], [1, 4, 6])
    expected = (0.25 + 2 * (1 / 11) ** 2) / 3
    assert result == {"value": pytest.approx(expected, abs=EXACT), "n_pairs": 3}


def test_a_judge_that_cannot_tell_any_pair_apart_scores_a_quarter():
    assert judging.pair_brier([1000, 1000], [0, 5], [1, 6])["value"] == pytest.approx(0.25, abs=EXACT)


def test_it_computes_the_brier_score_of_probabilities_with_an_interval():
    result = judging.brier([0.8, 0.3, 1.0, 0.5], [1, 0, 1, 1])
    assert result["value"] == pytest.approx((0.04 + 0.09 + 0 + 0.25) / 4, abs=EXACT)
    rng = np.random.default_rng(0)
    boot = judging.brier([0.8, 0.3, 1.0, 0.5], [1, 0, 1, 1], corr.vote_weights(4, 200, rng))
    assert 0.0 <= boot["low"] <= boot["value"] <= boot["high"] <= 0.25
    with pytest.raises(ValueError, match="outside"):
        judging.brier([1.2], [1])


def test_the_wilson_interval_matches_scipy():
    result = judging.wilson(8, 10)
    expected = binomtest(8, 10).proportion_ci(confidence_level=0.95, method="wilson")
    assert result["value"] == 0.8
    assert (result["low"], result["high"]) == (pytest.approx(expected.low, abs=1e-9),
                                               pytest.approx(expected.high, abs=1e-9))  # fmt: skip
    assert judging.wilson(0, 0)["value"] is None


def test_the_swap_test_counts_consistent_and_flipped_verdicts():
    # Pair 1: same both times. Pair 2: first model, then second (a flip). Pair 3: tie both times.
    # Pair 4: first model, then both bad (inconsistent, not a flip).
    result = judging.swap_test([0, 0, 2, 0], [0, 1, 2, 3])
    assert result["n"] == 4
    assert result["consistent"]["value"] == 0.5
    assert result["flipped"]["value"] == 0.25
    assert result["consistent"]["low"] < 0.5 < result["consistent"]["high"]


def test_cohens_kappa_of_a_judge_matches_the_hand_value():
    # Table (human by judge): [[20, 5], [10, 15]]: p_o = 0.7, p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa = 0.4.
    human = [0] * 25 + [1] * 25
    judge = [0] * 20 + [1] * 5 + [0] * 10 + [1] * 15
    result = corr.agreement(human, judge)
    assert result["kappa"]["value"] == pytest.approx(0.4, abs=EXACT)
    assert result["accuracy"]["value"] == pytest.approx(0.7, abs=EXACT)
