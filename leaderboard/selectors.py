"""Reads for the leaderboard: votes as battles, snapshots, exports."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.db.models.functions import Length

from arena.models import Setting, Task, Vote
from leaderboard.models import Snapshot
from leaderboard.rating import A_WINS, B_WINS, BOTH_BAD, TIE, WINNERS, Battles
from leaderboard.variants import SettingInfo
from renderer.selectors import complexity_features, executability_counts

OUTCOME = {"a": A_WINS, "b": B_WINS, "tie": TIE, "both_bad": BOTH_BAD}


Scope = tuple[str, str, str]
"""A board: (task, family, category), each empty for "all". A category's board leaves the family empty."""


def rated_votes(
    *, task: str = "", family: str = "", category: str = "", include_flagged: bool = False
) -> QuerySet[Vote]:
    """The votes a board counts: not gold pairs, not flagged (unless asked)."""
    votes = Vote.objects.filter(is_gold=False, generator_a__isnull=False, generator_b__isnull=False)
    if not include_flagged:
        votes = votes.filter(flagged=False)
    if task:
        votes = votes.filter(prompt__task=task)
    if family:
        votes = votes.filter(prompt__family=family)
    if category:
        votes = votes.filter(prompt__category=category)
    return votes


class _BoardVotes:
    """One board's battles in vote order and the SHA-256 of its exact vote set."""

    def __init__(self) -> None:
        self.records: list[dict[str, str]] = []
        self.digest = hashlib.sha256()

    def add(self, vote_id: int, name_a: str, name_b: str, winner: str) -> None:
        self.digest.update(f"{vote_id}:{name_a}:{name_b}:{winner};".encode())
        self.records.append({"model_a": name_a, "model_b": name_b, "winner": WINNERS[OUTCOME[winner]]})

    def result(self) -> tuple[Battles, str]:
        return Battles.from_records(self.records), self.digest.hexdigest()


def board_battles(*, task: str = "", family: str = "", category: str = "") -> tuple[Battles, str]:
    """Battles in vote order (for the online Elo too) and a hash of the exact vote set."""
    votes = rated_votes(task=task, family=family, category=category).order_by("id")
    board = _BoardVotes()
    for row in votes.values_list("id", "generator_a__name", "generator_b__name", "winner").iterator(chunk_size=10000):
        board.add(*row)
    return board.result()


def vote_scopes(task: str, family: str, category: str) -> list[Scope]:
    """Every board a vote on a prompt of this task, family and category counts on (categories unchecked)."""
    scopes: list[Scope] = [("", "", ""), (task, "", "")]
    if family:
        scopes += [("", family, ""), (task, family, "")]
    if category:
        scopes += [("", "", category), (task, "", category)]
    return scopes


def all_board_battles() -> dict[Scope, tuple[Battles, str]]:
    """Every board's battles and votes hash, from one query over the counted votes.

    Per-category boards are kept only from ``LEADERBOARD_CATEGORY_MIN_VOTES`` votes on.
    The hashes equal :func:`board_battles`'s for the same scope.
    """
    fields = ("id", "generator_a__name", "generator_b__name", "winner", "prompt__task", "prompt__family")
    votes = rated_votes().order_by("id").values_list(*fields, "prompt__category")
    boards: dict[Scope, _BoardVotes] = {}
    for vote_id, name_a, name_b, winner, task, family, category in votes.iterator(chunk_size=10000):
        for scope in vote_scopes(task, family, category):
            board = boards.get(scope)
            if board is None:
                board = boards[scope] = _BoardVotes()
            board.add(vote_id, name_a, name_b, winner)
    least = settings.LEADERBOARD_CATEGORY_MIN_VOTES
    return {scope: board.result() for scope, board in boards.items() if not scope[2] or len(board.records) >= least}


def board_scopes() -> list[Scope]:
    """Every board: overall, per task, per family, per task and family, and the categories with enough votes."""
    rows = rated_votes().values_list("prompt__task", "prompt__family", "prompt__category").annotate(n=Count("id"))
    counts: dict[Scope, int] = defaultdict(int)
    for task, family, category, n in rows:
        for scope in vote_scopes(task, family, category):
            counts[scope] += n
    least = settings.LEADERBOARD_CATEGORY_MIN_VOTES
    return sorted(scope for scope, n in counts.items() if not scope[2] or n >= least)


def category_votes(*, task: str = "") -> dict[str, int]:
    """Counted votes per category (within a task), most first, then by name."""
    rows = rated_votes(task=task).exclude(prompt__category="").values_list("prompt__category").annotate(n=Count("id"))
    return dict(sorted(rows, key=lambda row: (-row[1], row[0])))


def category_boards(*, task: str = "") -> dict[str, int]:
    """The categories that have a board of their own (within a task), with their vote counts."""
    least = settings.LEADERBOARD_CATEGORY_MIN_VOTES
    return {name: n for name, n in category_votes(task=task).items() if n >= least}


def latest_snapshot(*, task: str = "", family: str = "", category: str = "") -> Snapshot | None:
    query = Snapshot.objects.filter(task=task, family=family, category=category)
    return query.order_by("-created_at", "-id").first()


def sampler_ratings(**kwargs: Any) -> dict[str, tuple[float, float | None]] | None:
    """Receiver of `arena.signals.ratings_wanted`: the overall board's ratings and standard errors.

    None before the first snapshot. The standard error is the 95% interval's width / 3.92.
    """
    snapshot = latest_snapshot()
    if snapshot is None:
        return None
    ratings: dict[str, tuple[float, float | None]] = {}
    for row in snapshot.rows:
        low, high = row.get("ci_low"), row.get("ci_high")
        ratings[row["model"]] = (row["rating"], None if low is None or high is None else (high - low) / 3.92)
    return ratings


def latest_hashes() -> dict[Scope, str]:
    """The votes hash of every board's latest snapshot, in two queries."""
    latest = Snapshot.objects.values("task", "family", "category").annotate(last=Max("id")).values_list("last")
    rows = Snapshot.objects.filter(id__in=latest).values_list("task", "family", "category", "votes_hash")
    return {(task, family, category): votes_hash for task, family, category, votes_hash in rows}


def snapshot_history(*, task: str = "", family: str = "", category: str = "", limit: int = 200) -> list[Snapshot]:
    query = Snapshot.objects.filter(task=task, family=family, category=category).order_by("-created_at", "-id")
    return list(reversed(list(query.only("public_id", "created_at", "n_votes", "rows")[:limit])))


def executability(*, task: str = "", family: str = "", category: str = "") -> dict[str, float]:
    """Share of each generator's finished assets that ran and left a mesh."""
    return executability_by_scope([(task, family, category)]).get((task, family, category), {})


def executability_by_scope(scopes: list[Scope]) -> dict[Scope, dict[str, float]]:
    """:func:`executability` of many boards from one GROUP BY (`renderer.selectors.executability_counts`)."""
    rows = executability_counts("generator__name", "prompt__task", "prompt__family", "prompt__category")
    wanted = set(scopes)
    tally: dict[Scope, dict[str, list[int]]] = {scope: defaultdict(lambda: [0, 0]) for scope in wanted}
    for name, task, family, category, total, ok in rows:
        for scope in vote_scopes(task, family, category):
            if scope in wanted:
                tally[scope][name][0] += ok
                tally[scope][name][1] += total
    return {scope: {name: ok / total for name, (ok, total) in names.items() if total} for scope, names in tally.items()}


def judge_hash(annotator_public_id: str) -> str:
    """A salted hash: stable per annotator, useless for finding them."""
    key = settings.ARENA_EXPORT_SALT.encode()
    return hmac.new(key, annotator_public_id.encode(), hashlib.sha256).hexdigest()[:16]


def _with_code_lengths(votes: QuerySet[Vote]) -> QuerySet[Vote]:
    return votes.annotate(code_a=Length("battle__asset_a__source_code"), code_b=Length("battle__asset_b__source_code"))


def controlled_battles(tasks: set[str], features: tuple[str, ...]) -> dict[str, Battles]:
    """The overall board's (task ``""``) and the given tasks' battles with each side's complexity `features`.

    One query over the counted votes, whatever the number of boards.
    """
    votes = _with_code_lengths(rated_votes()).order_by("id")
    fields = ("prompt__task", "generator_a__name", "generator_b__name", "winner", "battle__asset_a__stats",
              "battle__asset_b__stats", "code_a", "code_b")  # fmt: skip
    records: dict[str, list[dict[str, Any]]] = {task: [] for task in tasks}
    for task, name_a, name_b, winner, stats_a, stats_b, code_a, code_b in votes.values_list(*fields).iterator(10000):
        record = {
            "model_a": name_a,
            "model_b": name_b,
            "winner": WINNERS[OUTCOME[winner]],
            "features_a": complexity_features(stats_a, code_a),
            "features_b": complexity_features(stats_b, code_b),
        }
        for board in ("", task):
            if board in records:
                records[board].append(record)
    return {task: Battles.from_records(rows, features=features) for task, rows in records.items()}


@dataclass
class SettingBattles:
    """One task's counted votes between settings, aggregated: indices into `settings`, outcome codes, counts."""

    settings: list[SettingInfo] = field(default_factory=list)
    a: list[int] = field(default_factory=list)
    b: list[int] = field(default_factory=list)
    outcome: list[int] = field(default_factory=list)
    count: list[int] = field(default_factory=list)


def setting_battles(tasks: set[str]) -> dict[str, SettingBattles]:
    """Each task's counted votes with each side mapped to the setting of the asset shown.

    One ``GROUP BY`` over the counted votes and one read of the settings met. A vote
    whose asset on either side has no setting (imported without a run folder) is left
    out. Only settings with votes appear.
    """
    votes = rated_votes().filter(
        prompt__task__in=tasks, battle__asset_a__setting__isnull=False, battle__asset_b__setting__isnull=False
    )
    fields = ("prompt__task", "battle__asset_a__setting_id", "battle__asset_b__setting_id", "winner")
    rows = list(votes.order_by().values_list(*fields).annotate(n=Count("id")).order_by(*fields))
    met = {setting_id for _, id_a, id_b, _, _ in rows for setting_id in (id_a, id_b)}
    described = {
        setting_id: SettingInfo(name=name, model=model, label=label, task=task, values=values or {})
        for setting_id, name, model, label, task, values in Setting.objects.filter(id__in=met).values_list(
            "id", "name", "generator__name", "label", "task", "values"
        )
    }
    boards = {task: SettingBattles() for task in tasks}
    index: dict[str, dict[int, int]] = {task: {} for task in tasks}
    for task, id_a, id_b, winner, n in rows:
        board, seen = boards[task], index[task]
        for setting_id in (id_a, id_b):
            if setting_id not in seen:
                seen[setting_id] = len(board.settings)
                board.settings.append(described[setting_id])
        board.a.append(seen[id_a])
        board.b.append(seen[id_b])
        board.outcome.append(OUTCOME[winner])
        board.count.append(n)
    return boards


def tasks_without_variants() -> list[str]:
    """Tasks whose latest board snapshot has no variant board yet (stored before there were any)."""
    latest = Snapshot.objects.filter(family="", category="").exclude(task="").values("task").annotate(last=Max("id"))
    rows = Snapshot.objects.filter(id__in=latest.values_list("last")).values_list("task", "options")
    return sorted(task for task, options in rows if "variants" not in (options or {}))


def variant_boards() -> dict[str, tuple[Snapshot, dict[str, Any] | None]]:
    """Each task's latest snapshot that holds a variant board, and that board (None: no votes between settings)."""
    found = {}
    for task in Task.values:
        snapshot = latest_snapshot(task=task)
        if snapshot is not None and "variants" in snapshot.options:
            found[task] = (snapshot, snapshot.options["variants"])
    return found


def variant_models(boards: dict[str, tuple[Snapshot, dict[str, Any] | None]]) -> list[str]:
    """Models with a setting on one of the :func:`variant_boards`, by name."""
    return sorted({row["model"] for _, board in boards.values() if board for row in board["settings"]})


def export_rows(
    *, include_flagged: bool = False, task: str = "", family: str = "", category: str = ""
) -> Iterator[dict[str, Any]]:
    """Votes as the chat arena's clean battles, plus prompt, task, category and each side's complexity features."""
    votes = rated_votes(task=task, family=family, category=category, include_flagged=include_flagged).order_by("id")
    votes = _with_code_lengths(votes)
    fields = (
        "generator_a__name",
        "generator_b__name",
        "winner",
        "annotator__public_id",
        "created_at",
        "prompt__slug",
        "prompt__task",
        "prompt__category",
        "flagged",
        "battle__strategy",
        "seconds_to_vote",
        "battle__asset_a__stats",
        "battle__asset_b__stats",
        "code_a",
        "code_b",
    )
    for row in votes.values_list(*fields).iterator(chunk_size=10000):
        name_a, name_b, winner, judge, created, slug, task_, category_, flagged, strategy, seconds = row[:11]
        stats_a, stats_b, code_a, code_b = row[11:]
        yield {
            "model_a": name_a,
            "model_b": name_b,
            "winner": WINNERS[OUTCOME[winner]],
            "judge": judge_hash(judge),
            "anony": True,
            "tstamp": created.timestamp(),
            "prompt": slug,
            "task": task_,
            "category": category_,
            "flagged": flagged,
            "sampler": strategy,
            "seconds_to_vote": round(seconds, 3),
            "features_a": complexity_features(stats_a, code_a),
            "features_b": complexity_features(stats_b, code_b),
        }


def task_label(task: str) -> str:
    return dict(Task.choices).get(task, "All tasks")
