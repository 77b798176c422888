"""Reads of a study's boards: its counted votes per criterion, and the boards stored from them."""

from __future__ import annotations

from django.db.models import Max, QuerySet

from arena.models import CriterionVote, Study, Vote, criterion_keys
from leaderboard.models import StudyBoard
from leaderboard.rating import Battles
from leaderboard.selectors import _BoardVotes, rated_votes

StudyScope = tuple[int, str]
"""A study board: (study id, criterion key); the key is empty for a study that asks its single question."""


def study_rated_votes(*, study: Study | None = None) -> QuerySet[Vote]:
    """The votes a study board counts: the public boards' rule (no gold pairs, nothing flagged), study votes only."""
    votes = rated_votes().filter(study__isnull=False)
    return votes if study is None else votes.filter(study=study)


def study_board_battles(*, study: Study | None = None) -> dict[StudyScope, tuple[Battles, str]]:
    """Every study board's battles in vote order and the hash of its vote set (one study, or all).

    Two queries whatever the number of studies: the votes of studies without criteria (their `winner`),
    and the criterion answers of the counted votes of studies with criteria.
    """
    studies = [study] if study is not None else list(Study.objects.filter(votes__isnull=False).distinct())
    keyed = {s.id for s in studies if criterion_keys(s)}
    plain = {s.id for s in studies} - keyed
    boards: dict[StudyScope, _BoardVotes] = {}
    names = ("generator_a__name", "generator_b__name")
    if plain:
        votes = study_rated_votes().filter(study_id__in=plain).order_by("id")
        for study_id, vote_id, name_a, name_b, winner in votes.values_list("study_id", "id", *names, "winner"):
            boards.setdefault((study_id, ""), _BoardVotes()).add(vote_id, name_a, name_b, winner)
    if keyed:
        counted = study_rated_votes().filter(study_id__in=keyed)
        answers = CriterionVote.objects.filter(vote__in=counted).order_by("vote_id", "id")
        fields = ("vote__study_id", "vote_id", "vote__generator_a__name", "vote__generator_b__name", "criterion")
        for study_id, vote_id, name_a, name_b, criterion, winner in answers.values_list(*fields, "winner"):
            boards.setdefault((study_id, criterion), _BoardVotes()).add(vote_id, name_a, name_b, winner)
    return {scope: board.result() for scope, board in boards.items()}


def latest_study_board(*, study: Study, criterion: str) -> StudyBoard | None:
    return StudyBoard.objects.filter(study=study, criterion=criterion).order_by("-created_at", "-id").first()


def latest_study_hashes() -> dict[StudyScope, str]:
    """The votes hash of every study board's latest version, in two queries."""
    latest = StudyBoard.objects.values("study_id", "criterion").annotate(last=Max("id")).values_list("last")
    rows = StudyBoard.objects.filter(id__in=latest).values_list("study_id", "criterion", "votes_hash")
    return {(study_id, criterion): votes_hash for study_id, criterion, votes_hash in rows}


def study_counted_votes(*, study: Study) -> int:
    """The votes the study's boards count now (each criterion board counts every one of them)."""
    return study_rated_votes(study=study).count()
