"""Reads of a study's boards: its counted votes per criterion, and the boards stored from them."""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet

from arena.models import Asset, CriterionVote, Study, Vote, criterion_keys
from leaderboard.models import StudyBoard
from leaderboard.rating import Battles
from leaderboard.selectors import _BoardVotes, rated_votes
from metrics.models import AssetMetric
from renderer.selectors import is_executable

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


def latest_study_hashes() -> dict[StudyScope, tuple[str, str | None]]:
    """The votes hash and metrics fingerprint of every study board's latest version, in two queries."""
    latest = StudyBoard.objects.values("study_id", "criterion").annotate(last=Max("id")).values_list("last")
    rows = StudyBoard.objects.filter(id__in=latest).values_list("study_id", "criterion", "votes_hash", "options")
    return {(study_id, criterion): (votes_hash, (options or {}).get("metrics_fingerprint"))
            for study_id, criterion, votes_hash, options in rows}  # fmt: skip


def study_counted_votes(*, study: Study) -> int:
    """The votes the study's boards count now (each criterion board counts every one of them)."""
    return study_rated_votes(study=study).count()


BoardVote = tuple[str, int, int, str, str]
"""One counted vote of a study board: the answer (a, b, tie, both_bad), the two asset ids and the two models."""


def study_board_votes(*, study_id: int, criterion: str) -> list[BoardVote]:
    """A study board's counted votes in vote order, with their assets: what its metric table is computed on."""
    fields = ("battle__asset_a_id", "battle__asset_b_id", "generator_a__name", "generator_b__name")
    votes = study_rated_votes().filter(study_id=study_id)
    if not criterion:
        return list(votes.order_by("id").values_list("winner", *fields))
    answers = CriterionVote.objects.filter(vote__in=votes, criterion=criterion).order_by("vote_id")
    return list(answers.values_list("winner", *(f"vote__{field}" for field in fields)))


def asset_metric_values(*, asset_ids: set[int]) -> tuple[dict[int, bool], dict[str, dict[int, float | None]]]:
    """Whether each asset ran, and every stored metric of these assets (name -> asset id -> value; None undefined)."""
    ran = {asset_id: is_executable(status) for asset_id, status in
           Asset.objects.filter(id__in=asset_ids).values_list("id", "status")}  # fmt: skip
    values: dict[str, dict[int, float | None]] = {}
    rows = AssetMetric.objects.filter(asset_id__in=asset_ids).exclude(name="executability")
    for asset_id, name, value in rows.values_list("asset_id", "name", "value").iterator(chunk_size=10000):
        values.setdefault(name, {})[asset_id] = value
    return ran, values


# The metric table's layout: a board stored with an older one is refitted (2: the correlation page's, with intervals).
METRIC_TABLE_VERSION = 2


def metrics_fingerprint() -> str:
    """Changes whenever an asset's metric is stored or recomputed, or the table's layout: the table is then refitted."""
    figures = AssetMetric.objects.aggregate(n=Count("id"), last=Max("computed_at"))
    return f"v{METRIC_TABLE_VERSION}:{figures['n']}:{figures['last'].isoformat() if figures['last'] else ''}"


def metric_table_current(options: dict) -> bool:
    """Whether a stored board's metric table has the current layout (else it is refitted, and not shown meanwhile)."""
    return str(options.get("metrics_fingerprint", "")).startswith(f"v{METRIC_TABLE_VERSION}:")
