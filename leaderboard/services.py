"""Computing leaderboard snapshots and telling open pages (scheduled by `leaderboard.tasks`)."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
from django.conf import settings

from arena.background import debounce_clear
from arena.broadcast import group_send
from arena.signals import emit
from leaderboard import selectors
from leaderboard.models import Snapshot
from leaderboard.rating import Battles, fit_controlled, fit_leaderboard
from leaderboard.selectors import Scope
from leaderboard.signals import snapshots_stored
from leaderboard.variants import variant_board

log = logging.getLogger(__name__)

GROUP = "leaderboard"
PENDING_KEY = "leaderboard:refresh-pending"


def snapshot_compute(*, task: str = "", family: str = "", category: str = "") -> Snapshot | None:
    """Fit one board and store it; None when it has no votes yet."""
    battles, votes_hash = selectors.board_battles(task=task, family=family, category=category)
    if len(battles) == 0:
        return None
    latest = selectors.latest_snapshot(task=task, family=family, category=category)
    if latest is not None and latest.votes_hash == votes_hash:
        return latest  # nothing changed: the cited version stays the current one
    executable = selectors.executability(task=task, family=family, category=category)
    controlled = _controlled([(task, family, category)])
    variants = variant_boards_compute([(task, family, category)])
    extra = {"controlled": controlled.get(task), "variants": variants.get(task)}
    snapshot = _snapshot_store((task, family, category), battles, votes_hash, executable, extra)
    emit(snapshots_stored)
    return snapshot


def _snapshot_store(
    scope: Scope, battles: Battles, votes_hash: str, executable: dict[str, float], extra: dict[str, Any]
) -> Snapshot:
    """Fit and store one board; `extra` holds its controlled fit and (task boards) its variant board."""
    task, family, category = scope
    started = time.perf_counter()
    board = fit_leaderboard(battles, bootstrap=settings.LEADERBOARD_BOOTSTRAP, seed=settings.LEADERBOARD_SEED)
    for row in board.rows:
        row["executability"] = executable.get(row["model"])
        row["provisional"] = row["battles"] < settings.LEADERBOARD_MIN_VOTES
    options = {**board.settings, "mle_exists": board.mle_exists}
    if not family and not category:
        options["controlled"] = extra.get("controlled")
        if task:
            options["variants"] = extra.get("variants")
    return Snapshot.objects.create(
        task=task,
        family=family,
        category=category,
        n_votes=len(battles),
        votes_hash=votes_hash,
        options=options,
        rows=board.rows,
        models_order=list(board.models),
        win_matrix=_nan_to_none(board.win_matrix.tolist()),
        count_matrix=board.count_matrix.tolist(),
        compute_seconds=time.perf_counter() - started,
    )


def _controlled(scopes: list[Scope]) -> dict[str, dict[str, Any] | None]:
    """For the overall and task boards among `scopes`: the fit controlled for complexity, as snapshots keep it.

    Keyed by task (``""`` overall); None for a board without votes. Boards of a family or a
    category are not controlled (too few votes for the extra coefficients). A battle where a
    side lacks one of the features (an asset rendered before it was measured) is left out of
    this fit only; ``left_out`` counts them.
    """
    features = tuple(settings.LEADERBOARD_CONTROL_FEATURES)
    tasks = {task for task, family, category in scopes if not family and not category}
    if not features or not tasks:
        return {}
    rounds = settings.LEADERBOARD_CONTROL_BOOTSTRAP
    stored: dict[str, dict[str, Any] | None] = {}
    for task, battles in selectors.controlled_battles(tasks, features).items():
        if len(battles) == 0:
            stored[task] = None
            continue
        try:
            fit = fit_controlled(battles, bootstrap=rounds, seed=settings.LEADERBOARD_SEED)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            log.exception("the controlled fit of board %r failed; the plain board is stored without it", task)
            stored[task] = None
            continue
        stored[task] = _finite(
            {
                "features": list(features),
                "bootstrap": rounds,
                "left_out": battles.left_out,
                "rows": fit.rows,
                "coefficients": fit.coefficients,
                "converged": fit.converged,
                "message": fit.message,
            }
        )
    return stored


def variant_boards_compute(scopes: list[Scope]) -> dict[str, dict[str, Any] | None]:
    """For the task boards among `scopes`: the variant board (players are settings), as snapshots keep it.

    Keyed by task; None for a task without votes between settings. The overall board has
    none: text-to-3D and image-to-3D settings never meet, so they are two boards.
    """
    tasks = {task for task, family, category in scopes if task and not family and not category}
    if not tasks:
        return {}
    stored: dict[str, dict[str, Any] | None] = {}
    for task, battles in selectors.setting_battles(tasks).items():
        if not battles.settings:
            stored[task] = None
            continue
        try:
            board = variant_board(
                battles.settings, battles.a, battles.b, battles.outcome, battles.count,
                bootstrap=settings.LEADERBOARD_BOOTSTRAP, seed=settings.LEADERBOARD_SEED,
                min_votes=settings.LEADERBOARD_MIN_VOTES,
            )  # fmt: skip
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            log.exception("the variant board of task %r failed; the task board is stored without it", task)
            stored[task] = None
            continue
        stored[task] = _finite(board)
    return stored


def _finite(value: Any) -> Any:
    """`value` with every NaN or infinity as None: PostgreSQL's JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_finite(inner) for inner in value]
    return value


def _nan_to_none(matrix: list[list[float]]) -> list[list[float | None]]:
    return [[None if value != value else value for value in row] for row in matrix]


def snapshots_refresh() -> list[Snapshot]:
    """Refit the boards whose votes changed and push the news to open leaderboard pages.

    One query reads every counted vote; a board whose votes hash equals its latest
    snapshot's is not refitted. Returns the snapshots stored.
    """
    debounce_clear(PENDING_KEY)  # votes from now on schedule the next refresh
    boards = selectors.all_board_battles()
    stored = selectors.latest_hashes()
    # A task board stored before it kept a variant board is refitted once to get one.
    without = {(task, "", "") for task in selectors.tasks_without_variants()}
    changed = sorted(
        scope for scope, (_, votes_hash) in boards.items() if stored.get(scope) != votes_hash or scope in without
    )
    executable = selectors.executability_by_scope(changed) if changed else {}
    controlled, variants = _controlled(changed), variant_boards_compute(changed)
    fresh = [
        _snapshot_store(
            scope, *boards[scope], executable.get(scope, {}),
            {"controlled": controlled.get(scope[0]), "variants": variants.get(scope[0])},
        )
        for scope in changed
    ]  # fmt: skip
    if fresh:
        group_send(GROUP, {"type": "leaderboard.updated", "snapshots": [s.public_id for s in fresh]})
        emit(snapshots_stored)
    return fresh
