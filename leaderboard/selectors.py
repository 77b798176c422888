"""Reads for the leaderboard: votes as battles, snapshots, exports."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet

from arena.models import Asset, GenerationAttempt, Status, Task, Vote
from leaderboard.models import Snapshot
from leaderboard.rating import A_WINS, B_WINS, BOTH_BAD, TIE, WINNERS, Battles

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
    """:func:`executability` of many boards from one GROUP BY."""
    finished = Asset.objects.filter(is_reference=False).exclude(status__in=[Status.PENDING, Status.RUNNING])
    rows = finished.values_list("generator__name", "prompt__task", "prompt__family", "prompt__category").annotate(
        total=Count("id"), ok=Count("id", filter=Q(status=Status.OK))
    )
    wanted = set(scopes)
    tally: dict[Scope, dict[str, list[int]]] = {scope: defaultdict(lambda: [0, 0]) for scope in wanted}
    for name, task, family, category, total, ok in rows:
        for scope in vote_scopes(task, family, category):
            if scope in wanted:
                tally[scope][name][0] += ok
                tally[scope][name][1] += total
    return {scope: {name: ok / total for name, (ok, total) in names.items() if total} for scope, names in tally.items()}


# -- executability by attempt --------------------------------------------------

RETRIES = 3  # columns: the single shot, then after 1, 2 and 3 retries
TOP_ERRORS = 5
RUNNER_OK = "OK"


@dataclass
class ExecutabilityRow:
    """One model (``setting`` empty) or one of its settings: how many of its assets ran after k retries."""

    model: str
    setting: str = ""
    label: str = ""
    assets: int = 0
    executable: list[int] = field(default_factory=lambda: [0] * (RETRIES + 1))
    errors: list[tuple[str, int]] = field(default_factory=list)
    settings: list[ExecutabilityRow] = field(default_factory=list)

    @property
    def shares(self) -> list[float]:
        """Fraction executable after 0 (single shot), 1, 2, 3 retries."""
        return [k / self.assets if self.assets else 0.0 for k in self.executable]


_PATH = re.compile(r"""(?:[A-Za-z]:)?(?:[\\/][\w.<>~+-]+)+[\\/]?""")
_FILE_FRAME = re.compile(r"""File "[^"]*"(?:, line \d+)?(?:, in \S+)?""")
_LINE = re.compile(r"\(?\b(?:line|lines|row)\s+\d+(?:\s*[-:]\s*\d+)?\)?", re.IGNORECASE)
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b")
ERROR_CHARS = 160


def error_normalise(text: str) -> str:
    """An error message without what differs between runs of the same mistake: paths, line numbers, addresses.

    Keeps the first non-empty line (the runner's brief and the arena's error are one line; a
    traceback's last line is the exception), shortened to ``ERROR_CHARS`` characters.
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1] if lines[0].startswith("Traceback") else lines[0]
    line = _FILE_FRAME.sub("", line)
    line = _PATH.sub("<path>", line)
    line = _LINE.sub("", line)
    line = _HEX.sub("0x…", line)
    line = re.sub(r"\s+", " ", line).strip(" ,;:")
    return line if len(line) <= ERROR_CHARS else line[: ERROR_CHARS - 1] + "…"


def _first_executable(status: str, run_status: Any, first_ok: int | None, n_attempts: int) -> int | None:
    """The number of retries after which an asset ran (None: it never did; see docs/rating.md)."""
    if n_attempts:
        return first_ok
    if isinstance(run_status, str) and run_status:
        return 0 if run_status == RUNNER_OK else None
    return 0 if status == Status.OK else None


def model_executability(*, task: str = "", family: str = "", category: str = "") -> list[ExecutabilityRow]:
    """Per model (and per setting), the share of its assets executable after the single shot and 1–3 retries.

    An asset with ``GenerationAttempt`` rows is executable after k retries if an attempt numbered k or
    less has the runner's status OK. One without attempt rows counts its final status at attempt 0:
    the run's own ``final_render_status`` when its run log has one, else the arena's render status;
    such an asset still waiting for the arena's render is left out. Also each model's most frequent
    errors, normalised (:func:`error_normalise`), from the runner's attempts and the arena's renders.
    """
    assets = Asset.objects.filter(is_reference=False, generator__isnull=False)
    if task:
        assets = assets.filter(prompt__task=task)
    if family:
        assets = assets.filter(prompt__family=family)
    if category:
        assets = assets.filter(prompt__category=category)
    rows = assets.annotate(
        first_ok=Min("generation_attempts__number", filter=Q(generation_attempts__status=RUNNER_OK)),
        n_attempts=Count("generation_attempts"),
    ).values_list("generator__name", "setting__name", "setting__label", "status", "run_log__final_render_status",
                  "first_ok", "n_attempts")  # fmt: skip
    models: dict[str, ExecutabilityRow] = {}
    by_setting: dict[tuple[str, str], ExecutabilityRow] = {}
    for name, setting, label, status, run_status, first_ok, n_attempts in rows:
        if not n_attempts and not run_status and status in (Status.PENDING, Status.RUNNING):
            continue
        retries = _first_executable(status, run_status, first_ok, n_attempts)
        model = models.setdefault(name, ExecutabilityRow(model=name))
        targets = [model]
        if setting:
            key = (name, setting)
            if key not in by_setting:
                by_setting[key] = ExecutabilityRow(model=name, setting=setting, label=label or setting)
                model.settings.append(by_setting[key])
            targets.append(by_setting[key])
        for row in targets:
            row.assets += 1
            if retries is not None:
                for k in range(min(retries, RETRIES + 1), RETRIES + 1):
                    row.executable[k] += 1
    for name, errors in _top_errors(assets).items():
        if name in models:
            models[name].errors = errors
    for model in models.values():
        model.settings.sort(key=lambda row: row.setting)
    return [models[name] for name in sorted(models)]


def _top_errors(assets: QuerySet[Asset]) -> dict[str, list[tuple[str, int]]]:
    """Each model's most frequent normalised errors: the runner's failed attempts and the arena's failed renders."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    attempts = GenerationAttempt.objects.filter(asset__in=assets).exclude(status=RUNNER_OK).exclude(error="")
    arena = assets.exclude(status__in=[Status.OK, Status.PENDING, Status.RUNNING]).exclude(error="")
    queries = (attempts.values_list("asset__generator__name", "error"), arena.values_list("generator__name", "error"))
    for query in queries:
        for name, error in query.iterator(chunk_size=5000):
            message = error_normalise(error)
            if message:
                counts[name][message] += 1
    return {name: counter.most_common(TOP_ERRORS) for name, counter in counts.items()}


def judge_hash(annotator_public_id: str) -> str:
    """A salted hash: stable per annotator, useless for finding them."""
    key = settings.ARENA_EXPORT_SALT.encode()
    return hmac.new(key, annotator_public_id.encode(), hashlib.sha256).hexdigest()[:16]


def export_rows(
    *, include_flagged: bool = False, task: str = "", family: str = "", category: str = ""
) -> Iterator[dict[str, Any]]:
    """Votes as the chat arena's clean battles, plus prompt, task and category."""
    votes = rated_votes(task=task, family=family, category=category, include_flagged=include_flagged).order_by("id")
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
    )
    for row in votes.values_list(*fields).iterator(chunk_size=10000):
        name_a, name_b, winner, judge, created, slug, task_, category_, flagged, strategy, seconds = row
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
        }


def task_label(task: str) -> str:
    return dict(Task.choices).get(task, "All tasks")
