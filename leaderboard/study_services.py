"""Fitting a study's boards (one per criterion) in the background, as the public boards are fitted."""

from __future__ import annotations

import time

from django.conf import settings

from arena.background import debounce_clear
from arena.models import Study
from leaderboard import study_selectors
from leaderboard.models import StudyBoard
from leaderboard.rating import Battles, fit_leaderboard
from leaderboard.services import _nan_to_none
from leaderboard.study_selectors import StudyScope

PENDING_KEY = "leaderboard:study-refresh-pending"


def study_boards_refresh(*, study: Study | None = None) -> list[StudyBoard]:
    """Refit the study boards (of one study, or all) whose counted votes changed; returns those stored.

    The same fit as the public boards: Bradley–Terry with LEADERBOARD_BOOTSTRAP bootstrap rounds and
    LEADERBOARD_SEED, shared ranks, on the study's own votes only. A board whose votes hash equals its
    latest version's is not refitted.
    """
    if study is None:
        debounce_clear(PENDING_KEY)  # votes from now on schedule the next refresh
    boards = study_selectors.study_board_battles(study=study)
    stored = study_selectors.latest_study_hashes()
    changed = sorted(scope for scope, (_, votes_hash) in boards.items() if stored.get(scope) != votes_hash)
    return [_board_store(scope, *boards[scope]) for scope in changed]


def _board_store(scope: StudyScope, battles: Battles, votes_hash: str) -> StudyBoard:
    study_id, criterion = scope
    started = time.perf_counter()
    board = fit_leaderboard(battles, bootstrap=settings.LEADERBOARD_BOOTSTRAP, seed=settings.LEADERBOARD_SEED)
    for row in board.rows:
        row["provisional"] = row["battles"] < settings.LEADERBOARD_MIN_VOTES
    return StudyBoard.objects.create(
        study_id=study_id,
        criterion=criterion,
        n_votes=len(battles),
        votes_hash=votes_hash,
        options={**board.settings, "mle_exists": board.mle_exists},
        rows=board.rows,
        models_order=list(board.models),
        win_matrix=_nan_to_none(board.win_matrix.tolist()),
        count_matrix=board.count_matrix.tolist(),
        compute_seconds=time.perf_counter() - started,
    )
