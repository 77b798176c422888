"""The agreement figures against known answers: hand-computed cases, scipy and the krippendorff package."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from scipy import stats

from arena.agreement import (
    BOTH_BAD,
    FIRST,
    SECOND,
    TIE,
    VoteTable,
    agreement,
    alpha_from_counts,
    cohen_kappa,
    first_two,
    kappa_from_tables,
    krippendorff_alpha,
    position_bias,
    repeat_consistency,
    share,
    simulate,
    time_summary,
    value_counts,
    wilson_interval,
)

EXACT = 1e-12
CLOSE = 1e-9


def table(rows: list[tuple[int, int, int, bool]], repeat_of: list[int] | None = None) -> VoteTable:
    """(item, annotator, answer, left_first) per vote, one second each."""
    items, annotators, answers, lefts = zip(*rows, strict=True)
    return VoteTable.build(
        item=items, annotator=annotators, answer=answers, left_first=lefts, seconds=[1.0] * len(rows),
        repeat_of=repeat_of,
    )  # fmt: skip


# -- Wilson and the binomial test ---------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (3, 10), (50, 100), (7, 200), (199, 200), (0, 40)])
def test_it_computes_wilson_intervals_as_scipy_does(k, n):
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(expected.low, abs=CLOSE) and high == pytest.approx(expected.high, abs=CLOSE)


def test_it_refuses_a_share_that_is_not_one():
    with pytest.raises(ValueError, match="k=5, n=3"):
        wilson_interval(5, 3)


def test_an_empty_share_has_no_estimate():
    assert share(0, 0).estimate is None and share(0, 0).low is None


def test_position_bias_is_the_left_share_of_decisive_votes_tested_against_a_half():
    # Item 0: first shown left; item 1: first shown right. Left wins: votes 0, 1, 3 (FIRST on left, SECOND on left).
    rows = [(0, 1, FIRST, True), (0, 2, FIRST, True), (1, 1, FIRST, False), (1, 2, SECOND, False), (1, 3, TIE, True)]
    result = position_bias(table(rows))
    assert (result.k, result.n) == (3, 4)
    assert result.pvalue == pytest.approx(stats.binomtest(3, 4, 0.5).pvalue, abs=EXACT)
    low, high = wilson_interval(3, 4)
    assert (result.low, result.high) == (low, high)


# -- Cohen's kappa ---------------------------------------------------------------------


def test_kappa_of_a_hand_computed_two_by_two_table():
    # Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15 of 50: p_o = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
    first = [FIRST] * 25 + [SECOND] * 25
    second = [FIRST] * 20 + [SECOND] * 5 + [FIRST] * 10 + [SECOND] * 15
    result = cohen_kappa(np.array(first), np.array(second))
    assert result.items == 50
    assert result.observed == pytest.approx(0.7, abs=EXACT) and result.expected == pytest.approx(0.5, abs=EXACT)
    assert result.estimate == pytest.approx(0.4, abs=EXACT)
    assert result.low < 0.4 < result.high


def test_kappa_matches_the_textbook_formula_on_four_answers():
    rng = np.random.default_rng(3)
    first = rng.integers(0, 4, size=300)
    second = np.where(rng.random(300) < 0.6, first, rng.integers(0, 4, size=300))
    observed = np.mean(first == second)
    expected = sum(np.mean(first == c) * np.mean(second == c) for c in range(4))
    assert cohen_kappa(first, second).estimate == pytest.approx((observed - expected) / (1 - expected), abs=CLOSE)


def test_kappa_is_one_for_perfect_agreement_and_undefined_when_nobody_varies():
    assert cohen_kappa(np.array([0, 1, 2, 3]), np.array([0, 1, 2, 3])).estimate == pytest.approx(1.0)
    constant = cohen_kappa(np.array([0, 0, 0]), np.array([0, 0, 0]))
    assert constant.estimate is None and constant.observed == 1.0


def test_the_multinomial_bootstrap_matches_resampling_items():
    rng = np.random.default_rng(5)
    first = rng.integers(0, 4, size=200)
    second = np.where(rng.random(200) < 0.5, first, rng.integers(0, 4, size=200))
    result = cohen_kappa(first, second, rounds=4000)
    # The same bootstrap done the long way: items drawn with replacement.
    kappas = []
    for _ in range(4000):
        pick = rng.integers(0, 200, size=200)
        cells = np.bincount(first[pick] * 4 + second[pick], minlength=16).reshape(4, 4)
        kappas.append(float(kappa_from_tables(cells)[0]))
    low, high = np.percentile(kappas, [2.5, 97.5])
    assert result.low == pytest.approx(low, abs=0.02) and result.high == pytest.approx(high, abs=0.02)


def test_kappa_takes_the_first_two_annotators_of_each_item_and_no_repeat():
    rows = [
        (0, 1, FIRST, True),  # item 0: rater 1
        (1, 1, TIE, True),  # item 1: judged once only
        (0, 1, SECOND, False),  # a repeat of vote 0: left out
        (0, 1, SECOND, True),  # the same annotator again on item 0 (another showing): not a second rater
        (0, 2, SECOND, True),  # item 0: rater 2
        (0, 3, BOTH_BAD, True),  # item 0: a third annotator, not in kappa
        (2, 4, TIE, True),
        (2, 5, TIE, False),  # item 2: raters 1 and 2
    ]
    first, second = first_two(table(rows, repeat_of=[-1, -1, 0, -1, -1, -1, -1, -1]))
    assert first.tolist() == [FIRST, TIE] and second.tolist() == [SECOND, TIE]


# -- Krippendorff's alpha ---------------------------------------------------------------


# The krippendorff package's own example (its docstring): nominal alpha 0.691358.
DOCS_COUNTS = np.array(
    [[1, 0, 0, 0], [0, 0, 0, 0], [0, 2, 0, 0], [2, 0, 0, 0], [0, 0, 2, 0], [0, 0, 2, 1], [0, 0, 0, 3], [1, 0, 1, 0],
     [0, 2, 0, 0], [2, 0, 0, 0], [2, 0, 0, 0], [0, 0, 2, 0], [0, 0, 2, 0], [0, 0, 0, 0], [0, 0, 1, 1]]
)  # fmt: skip


def test_alpha_from_counts_gives_the_packages_documented_example():
    assert float(alpha_from_counts(DOCS_COUNTS)) == pytest.approx(0.691358, abs=1e-6)


def test_alpha_of_a_hand_computed_case():
    # Units (x, x), (y, y), (x, y): coincidences [[2, 1], [1, 2]], n = 6, n_x = n_y = 3,
    # alpha = 1 - (n - 1) * 2 / (2 * 3 * 3) = 1 - 10 / 18 = 4 / 9.
    rows = [(0, 1, FIRST, True), (0, 2, FIRST, True), (1, 1, SECOND, True), (1, 2, SECOND, True),
            (2, 1, FIRST, True), (2, 2, SECOND, True), (3, 3, TIE, True)]  # fmt: skip
    result = krippendorff_alpha(table(rows))
    assert result.estimate == pytest.approx(4 / 9, abs=EXACT)
    assert (result.units, result.values, result.annotators) == (3, 6, 2)


def test_alpha_equals_the_package_on_the_coders_by_units_matrix():
    votes = simulate(annotators=40, votes_each=12, items=30, repeat_rate=0.0, seed=4)
    reliability = np.full((40, 30), np.nan)
    for item, annotator, answer in zip(votes.item, votes.annotator, votes.answer, strict=True):
        if np.isnan(reliability[annotator, item]):
            reliability[annotator, item] = answer
    expected = krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    assert krippendorff_alpha(votes).estimate == pytest.approx(expected, abs=CLOSE)


def test_the_alpha_bootstrap_weights_equal_repeating_units():
    weights = np.array([[2, 0, 1, 1, 0, 3, 1, 0, 1, 1, 2, 0, 1, 1, 1]])
    repeated = np.repeat(DOCS_COUNTS, weights[0], axis=0)
    expected = krippendorff.alpha(value_counts=repeated, level_of_measurement="nominal")
    assert float(alpha_from_counts(DOCS_COUNTS, weights)[0]) == pytest.approx(expected, abs=CLOSE)


def test_value_counts_use_each_annotators_first_judgement():
    rows = [(5, 1, FIRST, True), (5, 1, SECOND, True), (5, 2, TIE, True), (9, 1, BOTH_BAD, True)]
    assert value_counts(table(rows)).tolist() == [[1, 0, 1, 0], [0, 0, 0, 1]]


def test_alpha_is_undefined_without_two_answers_or_pairable_items():
    assert krippendorff_alpha(table([(0, 1, FIRST, True), (0, 2, FIRST, True)])).estimate is None
    assert krippendorff_alpha(table([(0, 1, FIRST, True), (1, 2, SECOND, True)])).units == 0


# -- repeats, rates, time ------------------------------------------------------------------


def test_repeat_consistency_compares_side_independent_answers():
    rows = [
        (0, 1, FIRST, True),
        (1, 1, TIE, True),
        (2, 1, SECOND, True),
        (0, 1, FIRST, False),  # the same model again, now shown on the right: held
        (1, 1, BOTH_BAD, False),  # tie became both bad: not held
        (2, 1, SECOND, False),  # held
    ]
    result = repeat_consistency(table(rows, repeat_of=[-1, -1, -1, 0, 1, 2]))
    assert (result.k, result.n) == (2, 3) and result.estimate == pytest.approx(2 / 3)


def test_time_summary_gives_the_median_and_quartiles():
    times = time_summary(np.array([5.0, 1.0, 3.0, 2.0, 4.0]))
    assert (times.n, times.q1, times.median, times.q3) == (5, 2.0, 3.0, 4.0)


def test_the_panel_counts_ties_and_both_bad_over_every_vote():
    rows = [(0, 1, TIE, True), (0, 2, BOTH_BAD, True), (1, 1, FIRST, True), (1, 2, TIE, False)]
    result = agreement(table(rows), rounds=50)
    assert (result.ties.k, result.ties.n, result.both_bad.k) == (2, 4, 1)
    assert (result.votes, result.annotators, result.items) == (4, 2, 2)


def test_the_panel_is_the_same_on_every_call():
    votes = simulate(annotators=30, votes_each=10, items=40, seed=1)
    assert agreement(votes, rounds=200) == agreement(votes, rounds=200)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("answer", [0, 4], "answer: row 1 is not an answer code"), ("seconds", [1.0, -2.0], "seconds: row 1"),
     ("repeat_of", [-1, 1], "repeat_of: row 1 does not point at an earlier vote")],
)  # fmt: skip
def test_a_bad_column_is_named_with_its_row(column, value, message):
    columns = {"item": [0, 0], "annotator": [1, 2], "answer": [0, 1], "left_first": [True, False],
               "seconds": [1.0, 2.0], "repeat_of": [-1, -1]} | {column: value}  # fmt: skip
    with pytest.raises(ValueError, match=message):
        VoteTable.build(**columns)


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="annotator: 1 values for 2 votes"):
        VoteTable.build(item=[0, 1], annotator=[1], answer=[0, 0], left_first=[1, 1], seconds=[1, 1])
