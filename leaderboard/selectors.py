"""Reads for the leaderboard: votes as battles, snapshots, exports."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from arena.models import Asset, Status, Task, Vote
from leaderboard.models import Snapshot
from leaderboard.rating import A_WINS, B_WINS, BOTH_BAD, TIE, WINNERS, Battles

OUTCOME = {"a": A_WINS, "b": B_WINS, "tie": TIE, "both_bad": BOTH_BAD}


def rated_votes(*, task: str = "", category: str = "", include_flagged: bool = False) -> QuerySet[Vote]:
    """The votes a board counts: not gold pairs, not flagged (unless asked)."""
    votes = Vote.objects.filter(is_gold=False, generator_a__isnull=False, generator_b__isnull=False)
    if not include_flagged:
        votes = votes.filter(flagged=False)
    if task:
        votes = votes.filter(prompt__task=task)
    if category:
        votes = votes.filter(prompt__category=category)
    return votes


def board_battles(*, task: str = "", category: str = "") -> tuple[Battles, str]:
    """Battles in vote order (for the online Elo too) and a hash of the exact vote set."""
    votes = rated_votes(task=task, category=category).order_by("id")
    rows = votes.values_list("id", "generator_a__name", "generator_b__name", "winner")
    digest = hashlib.sha256()
    records = []
    for vote_id, name_a, name_b, winner in rows.iterator(chunk_size=10000):
        digest.update(f"{vote_id}:{name_a}:{name_b}:{winner};".encode())
        records.append({"model_a": name_a, "model_b": name_b, "winner": WINNERS[OUTCOME[winner]]})
    return Battles.from_records(records), digest.hexdigest()


def board_scopes() -> list[tuple[str, str]]:
    """Every (task, category) board: overall, per task, per category, per task and category."""
    pairs = set(rated_votes().values_list("prompt__task", "prompt__category").distinct())
    scopes = {("", "")}
    for task, category in pairs:
        scopes |= {(task, ""), ("", category), (task, category)}
    return sorted(scopes)


def latest_snapshot(*, task: str = "", category: str = "") -> Snapshot | None:
    return Snapshot.objects.filter(task=task, category=category).order_by("-created_at", "-id").first()


def snapshot_history(*, task: str = "", category: str = "", limit: int = 200) -> list[Snapshot]:
    query = Snapshot.objects.filter(task=task, category=category).order_by("-created_at", "-id")
    return list(reversed(list(query.only("public_id", "created_at", "n_votes", "rows")[:limit])))


def executability(*, task: str = "", category: str = "") -> dict[str, float]:
    """Share of each generator's finished assets that ran and left a mesh."""
    finished = Asset.objects.filter(is_reference=False).exclude(status__in=[Status.PENDING, Status.RUNNING])
    if task:
        finished = finished.filter(prompt__task=task)
    if category:
        finished = finished.filter(prompt__category=category)
    rows = finished.values("generator__name").annotate(total=Count("id"), ok=Count("id", filter=Q(status=Status.OK)))
    return {row["generator__name"]: row["ok"] / row["total"] for row in rows if row["total"]}


def judge_hash(annotator_public_id: str) -> str:
    """A salted hash: stable per annotator, useless for finding them."""
    key = settings.ARENA_EXPORT_SALT.encode()
    return hmac.new(key, annotator_public_id.encode(), hashlib.sha256).hexdigest()[:16]


def export_rows(*, include_flagged: bool = False, task: str = "", category: str = "") -> Iterator[dict[str, Any]]:
    """Votes as the chat arena's clean battles, plus prompt, task and category."""
    votes = rated_votes(task=task, category=category, include_flagged=include_flagged).order_by("id")
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
