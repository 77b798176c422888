"""The anomalous-annotator test on stored votes (the arithmetic is in arena/quality.py).

The consensus is a Bradley–Terry fit on the votes a board counts (unflagged,
not gold). Each decided vote (A or B) of an annotator then gets the consensus
probability that the side they chose wins, and arena.quality combines those into
one p-value per annotator with Fisher's method. An annotator whose votes are too
unlikely under the consensus (p < settings.ARENA_OUTLIER_P) is flagged, which
leaves all their votes out of the ratings until someone reinstates them.

Each annotator is tested against the consensus of everyone else's votes
(leave-one-annotator-out), so a prolific annotator cannot pull the consensus
towards themselves. All counts come from one GROUP BY; each refit is a small
Bradley–Terry fit over the generators.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count

from arena.models import Annotator, Vote
from arena.quality import annotator_outlier_pvalue
from arena.services import annotator_flag
from leaderboard.rating import ELO_BASE, ELO_SCALE, fit_counts
from leaderboard.selectors import OUTCOME

DEFAULT_MIN_VOTES = 20
# Only a handful of generators may be compared by few votes: a little
# regularisation keeps their ratings finite (choix's advice for sparse data).
CONSENSUS_ALPHA = 1e-4

# (generator_a, generator_b, winner) -> number of votes
PairCounts = Counter[tuple[int, int, str]]


@dataclass(frozen=True)
class OutlierTest:
    """One annotator's result."""

    annotator_id: int
    public_id: str
    votes: int  # decided votes scored against the consensus
    underdog: int  # of those, votes for the side the consensus rates lower
    pvalue: float

    def is_outlier(self, p: float) -> bool:
        return self.pvalue < p


def consensus_ratings(counts: PairCounts) -> dict[int, float]:
    """Elo-scale ratings by generator id from vote counts (generators without votes are left out)."""
    counts = Counter({key: n for key, n in counts.items() if n > 0})
    generator_ids = sorted({g for a, b, _ in counts for g in (a, b)})
    if len(generator_ids) < 2:
        return {}
    index = {g: i for i, g in enumerate(generator_ids)}
    keys = list(counts)
    fit = fit_counts(
        len(generator_ids),
        [index[a] for a, _, _ in keys],
        [index[b] for _, b, _ in keys],
        [OUTCOME[w] for _, _, w in keys],
        [counts[k] for k in keys],
        bootstrap=0,
        alpha=CONSENSUS_ALPHA,
    )
    return dict(zip(generator_ids, fit.rating.tolist(), strict=True))


def prob_chosen(ratings: dict[int, float], generator_a: int, generator_b: int, winner: str) -> float | None:
    """Consensus probability that the chosen side wins; None when either side is unrated."""
    if generator_a not in ratings or generator_b not in ratings:
        return None
    chosen, other = (generator_a, generator_b) if winner == "a" else (generator_b, generator_a)
    return 1.0 / (1.0 + ELO_BASE ** ((ratings[other] - ratings[chosen]) / ELO_SCALE))


def _vote_counts() -> tuple[PairCounts, dict[int, PairCounts], dict[int, PairCounts]]:
    """Consensus counts, and per annotator their counted votes and their decided votes."""
    rows = (
        Vote.objects.filter(is_gold=False, generator_a__isnull=False, generator_b__isnull=False)
        .values_list("annotator_id", "generator_a_id", "generator_b_id", "winner", "flagged")
        .annotate(n=Count("id"))
        .order_by()
    )
    consensus: PairCounts = Counter()
    counted: dict[int, PairCounts] = defaultdict(Counter)
    decided: dict[int, PairCounts] = defaultdict(Counter)
    for annotator_id, a, b, winner, flagged, n in rows:
        if not flagged:
            consensus[(a, b, winner)] += n
            counted[annotator_id][(a, b, winner)] += n
        if winner in ("a", "b"):
            decided[annotator_id][(a, b, winner)] += n
    return consensus, counted, decided


def outlier_tests(
    *,
    min_votes: int = DEFAULT_MIN_VOTES,
    leave_one_out: bool = True,
    progress: Callable[[list[int]], Iterable[int]] = iter,
) -> list[OutlierTest]:
    """Test every unflagged annotator with at least ``min_votes`` decided votes; lowest p-value first.

    Decided votes flagged for another reason (too fast) still count as the
    annotator's behaviour; only the consensus is limited to counted votes.
    ``progress`` wraps the list of annotator ids being tested (e.g. ``tqdm``).
    """
    consensus, counted, decided = _vote_counts()
    candidates = [a for a, c in decided.items() if c.total() >= min_votes]
    annotators = dict(
        Annotator.objects.filter(id__in=candidates, flagged=False).values_list("id", "public_id").order_by()
    )
    shared = consensus_ratings(consensus)
    results = []
    for annotator_id in progress(sorted(annotators)):
        ratings = consensus_ratings(consensus - counted[annotator_id]) if leave_one_out else shared
        results.append(_annotator_test(annotator_id, annotators[annotator_id], decided[annotator_id], ratings))
    return sorted(results, key=lambda r: (r.pvalue, r.public_id))


def _annotator_test(annotator_id: int, public_id: str, votes: PairCounts, ratings: dict[int, float]) -> OutlierTest:
    probabilities: list[float] = []
    for (a, b, winner), n in votes.items():
        q = prob_chosen(ratings, a, b, winner)
        if q is not None:
            probabilities.extend([q] * n)
    q_array = np.asarray(probabilities)
    return OutlierTest(
        annotator_id=annotator_id,
        public_id=public_id,
        votes=q_array.size,
        underdog=int(np.sum(q_array < 0.5)),
        pvalue=annotator_outlier_pvalue(probabilities),
    )


def outliers_flag(*, tests: Iterable[OutlierTest], p: float) -> list[OutlierTest]:
    """Flag the annotators whose test falls under ``p``; returns those flagged."""
    flagged = [t for t in tests if t.is_outlier(p)]
    with transaction.atomic():
        for test in flagged:
            annotator = Annotator.objects.get(id=test.annotator_id)
            against = f"{test.underdog} of {test.votes} votes against the consensus"
            reason = f"outlier test p = {test.pvalue:.2g} < {p:g} ({against})"
            annotator_flag(annotator=annotator, reason=reason)
    return flagged
