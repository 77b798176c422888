"""Reads for the agreement panel: a study's votes, or the public arena's, as a table for arena.agreement.

Which votes: those on pairs of two models (not gold pairs), not flagged, by annotators not flagged, plus the
votes on repeat pairs (flagged only as repeats, see arena.services.REPEAT_REASON) whose first showing is in
the table too. An item is a prompt and an unordered pair of models; its first model is the one with the lower
id, so an answer "a" on a battle whose side A is that model is FIRST wherever it was shown. With a criterion,
the same votes are read with that criterion's answers (`CriterionVote`) in place of the vote's own winner.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Q, QuerySet

from arena.agreement import BOTH_BAD, FIRST, SECOND, TIE, VoteTable, agreement
from arena.models import CriterionVote, Study, Vote, criterion_keys
from arena.services import REPEAT_REASON

# The public arena's panel reads every vote: kept this long, so a staff page reloaded often costs one computation.
OVERALL_CACHE_SECONDS = 300
OVERALL_CACHE_KEY = "arena:agreement:overall"


def panel_votes(*, study: Study | None) -> QuerySet[Vote]:
    """The votes a panel is computed from: a study's, or (study None) those cast outside every study."""
    votes = Vote.objects.filter(
        is_gold=False, generator_a__isnull=False, generator_b__isnull=False, annotator__flagged=False
    ).filter(Q(flagged=False) | Q(flag_reason=REPEAT_REASON, battle__repeat_of__isnull=False))
    return votes.filter(study=study) if study is not None else votes.filter(study__isnull=True)


class UnknownCriterion(ValueError):
    """A criterion the study does not ask (or any criterion, for a study or panel with a single question)."""


def criterion_answers(votes: QuerySet[Vote], criterion: str) -> dict[int, str]:
    """Vote id -> that criterion's answer, for the given votes."""
    answers = CriterionVote.objects.filter(vote__in=votes, criterion=criterion)
    return dict(answers.values_list("vote_id", "winner").iterator(chunk_size=10000))


def vote_table(votes: QuerySet[Vote], *, criterion: str = "") -> VoteTable:
    """The votes in vote order as arrays; a repeat whose first showing is not among them is left out.

    With a criterion, each vote's answer is that criterion's, and a vote without one is left out.
    """
    fields = ("battle_id", "battle__repeat_of_id", "prompt_id", "generator_a_id", "generator_b_id",
              "annotator_id", "winner", "seconds_to_vote", "id")  # fmt: skip
    rows = list(votes.order_by("id").values_list(*fields).iterator(chunk_size=10000))
    if criterion:
        answers = criterion_answers(votes, criterion)
        rows = [(*row[:6], answers[row[8]], *row[7:]) for row in rows if row[8] in answers]
    position: dict[int, int] = {}
    items: dict[tuple[int, int, int], int] = {}
    names = ("item", "annotator", "answer", "left_first", "seconds", "repeat_of")
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for battle_id, original, prompt_id, gen_a, gen_b, annotator_id, winner, seconds, _ in rows:
        if original is not None and original not in position:
            continue
        left_first = gen_a < gen_b
        if winner in ("a", "b"):
            answer = FIRST if (winner == "a") == left_first else SECOND
        else:
            answer = TIE if winner == "tie" else BOTH_BAD
        position[battle_id] = len(columns["item"])
        columns["item"].append(items.setdefault((prompt_id, min(gen_a, gen_b), max(gen_a, gen_b)), len(items)))
        columns["annotator"].append(annotator_id)
        columns["answer"].append(answer)
        columns["left_first"].append(left_first)
        columns["seconds"].append(seconds)
        columns["repeat_of"].append(-1 if original is None else position[original])
    return VoteTable.build(**{k: np.asarray(v) for k, v in columns.items()})


def panel_criterion(*, study: Study | None, criterion: str | None) -> str:
    """The criterion a panel is asked for, checked: "" for the vote's own winner (the first criterion's answer)."""
    if not criterion:
        return ""
    keys = criterion_keys(study) if study is not None else []
    if criterion not in keys:
        expected = ", ".join(keys) if keys else "none: it asks a single question"
        raise UnknownCriterion(f"Unknown criterion {criterion!r} in the query parameter 'criterion' ({expected}).")
    return criterion


def agreement_panel(*, study: Study | None = None, criterion: str = "") -> dict[str, Any]:
    """Every figure of the panel (arena.agreement.Agreement as a dict); the public arena's is cached a while.

    With a criterion (a study's only), every figure is computed on that criterion's answers of the same votes.
    """
    if study is not None:
        key = panel_criterion(study=study, criterion=criterion)
        return agreement(vote_table(panel_votes(study=study), criterion=key)).as_dict()
    try:
        cached = cache.get(OVERALL_CACHE_KEY)
    except Exception:  # an unreachable cache is a miss
        cached = None
    if cached is not None:
        return dict(cached)
    panel = agreement(vote_table(panel_votes(study=None))).as_dict()
    try:
        cache.set(OVERALL_CACHE_KEY, panel, OVERALL_CACHE_SECONDS)
    except Exception:
        pass
    return panel
