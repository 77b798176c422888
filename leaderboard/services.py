"""Computing leaderboard snapshots, debounced, and telling open pages."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from arena.broadcast import group_send
from leaderboard import selectors
from leaderboard.debounce import debounced
from leaderboard.models import Snapshot
from leaderboard.rating import fit_leaderboard

log = logging.getLogger(__name__)

GROUP = "leaderboard"
PENDING_KEY = "leaderboard:refresh-pending"


def snapshot_compute(*, task: str = "", category: str = "") -> Snapshot | None:
    """Fit one board and store it; None when it has no votes yet."""
    battles, votes_hash = selectors.board_battles(task=task, category=category)
    if len(battles) == 0:
        return None
    latest = selectors.latest_snapshot(task=task, category=category)
    if latest is not None and latest.votes_hash == votes_hash:
        return latest  # nothing changed: the cited version stays the current one
    started = time.perf_counter()
    board = fit_leaderboard(battles, bootstrap=settings.LEADERBOARD_BOOTSTRAP, seed=settings.LEADERBOARD_SEED)
    executable = selectors.executability(task=task, category=category)
    for row in board.rows:
        row["executability"] = executable.get(row["model"])
        row["provisional"] = row["battles"] < settings.LEADERBOARD_MIN_VOTES
    return Snapshot.objects.create(
        task=task,
        category=category,
        n_votes=len(battles),
        votes_hash=votes_hash,
        options={**board.settings, "mle_exists": board.mle_exists},
        rows=board.rows,
        models_order=list(board.models),
        win_matrix=_nan_to_none(board.win_matrix.tolist()),
        count_matrix=board.count_matrix.tolist(),
        compute_seconds=time.perf_counter() - started,
    )


def _nan_to_none(matrix: list[list[float]]) -> list[list[float | None]]:
    return [[None if value != value else value for value in row] for row in matrix]


def snapshots_refresh() -> list[Snapshot]:
    """Recompute every board and push the news to open leaderboard pages."""
    cache.delete(PENDING_KEY)  # votes from now on schedule the next refresh
    fresh = []
    for task, category in selectors.board_scopes():
        snapshot = snapshot_compute(task=task, category=category)
        if snapshot is not None:
            fresh.append(snapshot)
    group_send(GROUP, {"type": "leaderboard.updated", "snapshots": [s.public_id for s in fresh]})
    return fresh


def refresh_request() -> None:
    """Ask for a recompute soon; a burst of votes within the debounce window makes one."""
    from leaderboard.tasks import refresh_leaderboards

    debounced(
        key=PENDING_KEY,
        delay=settings.LEADERBOARD_DEBOUNCE_SECONDS,
        task=refresh_leaderboards,
        run_here=lambda: snapshots_refresh(),
    )
