"""Annotator quality tests (pure numpy/scipy, no Django)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats


def vote_pvalues(prob_chosen: Sequence[float]) -> np.ndarray:
    """P-value of each decided vote against the consensus.

    ``prob_chosen[k]`` is the consensus probability (from the ratings) that the
    asset the annotator picked wins. The p-value is the probability of an
    outcome at most as likely as the observed one: the vote itself when it went
    to the underdog, 1 when it went to the favourite. This is conservative
    (never smaller than a uniform p-value), so honest annotators are not flagged.
    """
    q = np.clip(np.asarray(prob_chosen, dtype=float), 1e-12, 1.0)
    return np.where(q < 0.5, q, 1.0)


def fisher_combined_pvalue(pvalues: Sequence[float] | np.ndarray) -> float:
    """Fisher's method: -2 sum(ln p) ~ chi-squared with 2k degrees of freedom."""
    p = np.clip(np.asarray(pvalues, dtype=float), 1e-300, 1.0)
    if p.size == 0:
        return 1.0
    statistic = -2.0 * np.log(p).sum()
    return float(stats.chi2.sf(statistic, 2 * p.size))


def annotator_outlier_pvalue(prob_chosen: Sequence[float]) -> float:
    """How unlikely an annotator's decided votes are under the consensus ratings."""
    return fisher_combined_pvalue(vote_pvalues(prob_chosen))
