"""The annotator outlier test's arithmetic (arena/quality.py): pure, no Django."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from arena.quality import annotator_outlier_pvalue, fisher_combined_pvalue, vote_pvalues

# A simulated honest annotator may be flagged at most this much more often than the level.
NULL_SLACK = 0.01


def test_it_gives_a_vote_for_the_favourite_a_pvalue_of_one():
    assert vote_pvalues([0.5, 0.9, 1.0]).tolist() == [1.0, 1.0, 1.0]


def test_it_gives_a_vote_for_the_underdog_its_probability():
    assert vote_pvalues([0.2, 0.01]).tolist() == pytest.approx([0.2, 0.01])


def test_it_never_returns_a_zero_pvalue():
    assert vote_pvalues([0.0])[0] > 0


@pytest.mark.parametrize(
    "pvalues",
    [[0.5], [0.01, 0.2, 0.9], [1.0, 1.0, 1.0], [1e-6, 0.3, 0.3, 0.7, 0.05], list(np.linspace(0.01, 1, 40))],
)
def test_it_combines_pvalues_as_scipys_fisher_method_does(pvalues):
    expected = stats.combine_pvalues(pvalues, method="fisher").pvalue
    assert fisher_combined_pvalue(pvalues) == pytest.approx(expected, rel=1e-12)


def test_it_combines_no_pvalues_to_one():
    assert fisher_combined_pvalue([]) == 1.0


def test_it_survives_pvalues_too_small_for_a_logarithm():
    assert 0.0 <= fisher_combined_pvalue([0.0, 1e-320]) < 1e-100


def test_it_finds_an_annotator_who_always_picks_the_underdog():
    assert annotator_outlier_pvalue([0.1] * 30) < 1e-6


def test_it_clears_an_annotator_who_always_picks_the_favourite():
    assert annotator_outlier_pvalue([0.75] * 30) == 1.0


@pytest.mark.parametrize("level", [0.05, 0.01])
def test_its_pvalues_are_super_uniform_for_honest_annotators(level):
    """Honest annotators vote by the consensus probabilities; few may fall under the level."""
    rng = np.random.default_rng(20260401)
    n_annotators, n_votes = 4000, 40
    p_a = rng.uniform(0.05, 0.95, size=(n_annotators, n_votes))
    chose_a = rng.random((n_annotators, n_votes)) < p_a
    prob_chosen = np.where(chose_a, p_a, 1.0 - p_a)
    pvalues = np.array([annotator_outlier_pvalue(row) for row in prob_chosen])
    assert np.mean(pvalues < level) <= level + NULL_SLACK


def test_its_null_holds_for_annotators_with_few_votes():
    rng = np.random.default_rng(7)
    p_a = rng.uniform(0.3, 0.7, size=(4000, 3))
    prob_chosen = np.where(rng.random(p_a.shape) < p_a, p_a, 1.0 - p_a)
    pvalues = np.array([annotator_outlier_pvalue(row) for row in prob_chosen])
    assert np.mean(pvalues < 0.05) <= 0.05 + NULL_SLACK
