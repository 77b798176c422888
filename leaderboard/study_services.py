"""Fitting a study's boards (one per criterion) in the background, as the public boards are fitted."""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings

from arena.agreement import wilson_interval
from arena.background import debounce_clear
from arena.models import Study
from leaderboard import correlation as corr
from leaderboard import study_selectors
from leaderboard.correlation_services import asset_metric_payload, metric_directions, metric_info
from leaderboard.models import StudyBoard
from leaderboard.rating import Battles, fit_leaderboard
from leaderboard.services import _nan_to_none
from leaderboard.study_selectors import BoardVote, StudyScope
from metrics import aggregate

PENDING_KEY = "leaderboard:study-refresh-pending"


def study_boards_refresh(*, study: Study | None = None) -> list[StudyBoard]:
    """Refit the study boards (of one study, or all) whose counted votes changed; returns those stored.

    The same fit as the public boards: Bradley–Terry with LEADERBOARD_BOOTSTRAP bootstrap rounds and
    LEADERBOARD_SEED, shared ranks, on the study's own votes only, with its metric table
    (:func:`board_metric_table`). A board whose votes hash and metrics fingerprint equal its latest
    version's is not refitted.
    """
    if study is None:
        debounce_clear(PENDING_KEY)  # votes from now on schedule the next refresh
    boards = study_selectors.study_board_battles(study=study)
    stored = study_selectors.latest_study_hashes()
    fingerprint = study_selectors.metrics_fingerprint()
    changed = sorted(scope for scope, (_, digest) in boards.items() if stored.get(scope) != (digest, fingerprint))
    return [_board_store(scope, *boards[scope], fingerprint) for scope in changed]


def _board_store(scope: StudyScope, battles: Battles, votes_hash: str, fingerprint: str) -> StudyBoard:
    study_id, criterion = scope
    started = time.perf_counter()
    board = fit_leaderboard(battles, bootstrap=settings.LEADERBOARD_BOOTSTRAP, seed=settings.LEADERBOARD_SEED)
    for row in board.rows:
        row["provisional"] = row["battles"] < settings.LEADERBOARD_MIN_VOTES
    votes = study_selectors.study_board_votes(study_id=study_id, criterion=criterion)
    seed = [settings.LEADERBOARD_SEED, study_id, zlib.crc32(criterion.encode())]
    metrics = board_metric_table(votes=votes, rows=board.rows, boot_ratings=board.bootstrap, seed=seed)
    return StudyBoard.objects.create(
        study_id=study_id,
        criterion=criterion,
        n_votes=len(battles),
        votes_hash=votes_hash,
        options={
            **board.settings,
            "mle_exists": board.mle_exists,
            "metrics": metrics,
            "metrics_fingerprint": fingerprint,
        },  # fmt: skip
        rows=board.rows,
        models_order=list(board.models),
        win_matrix=_nan_to_none(board.win_matrix.tolist()),
        count_matrix=board.count_matrix.tolist(),
        compute_seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class _Board:
    """What each row of a board's metric table is held to: the ratings and their bootstrap, the assets, the answers."""

    models: list[str]
    ratings: np.ndarray  # (models,), board order
    boot_ratings: np.ndarray  # (rounds, models): the board's ratings refitted on resampled votes
    asset_ids: list[list[int]]  # per model, the assets shown in the board's votes
    indices: list[np.ndarray]  # per model, (rounds, assets): the assets resampled, one row per round
    decided: list[tuple[str, int, int]]  # the answers that chose a side: (winner, asset a, asset b)
    human: np.ndarray  # 0 (A) or 1 (B) per decided answer
    weights: np.ndarray  # (rounds, decided): the decided answers resampled


def board_metric_table(*, votes: Sequence[BoardVote], rows: Sequence[dict[str, Any]], boot_ratings: np.ndarray,
                       seed: Sequence[int]) -> list[dict[str, Any]]:  # fmt: skip
    """How each automatic metric agrees with a study board: one entry per metric measured on its assets.

    Each entry has the correlation page's shape (`leaderboard.correlation_services.asset_metric_payload`).
    Model level: Pearson, Spearman and Kendall between the board's ratings and each model's mean over the
    assets shown in the board's votes (conditional and penalised means; a lower-is-better metric's sign
    flipped, so positive is agreement), with 95% bootstrap intervals: round ``r`` pairs the board's own
    ``r``-th bootstrap round (`boot_ratings`, its ratings refitted on resampled votes: the rounds of its
    rating intervals, so no extra fit) with a resample of each model's assets. Vote level (`agreement`):
    over the decided answers (A or B better), the share where the metric prefers the chosen asset, with a
    Wilson 95% interval, and Cohen's κ with a bootstrap interval over the decided answers; `coverage` is the
    share of decided answers where the metric had a preference. `seed` seeds the asset and answer resamples.
    """
    models = [row["model"] for row in rows]
    where = {model: k for k, model in enumerate(models)}
    shown: list[set[int]] = [set() for _ in models]
    for _, asset_a, asset_b, model_a, model_b in votes:
        shown[where[model_a]].add(asset_a)
        shown[where[model_b]].add(asset_b)
    asset_ids = [sorted(ids) for ids in shown]
    ran, values = study_selectors.asset_metric_values(asset_ids={a for ids in asset_ids for a in ids})
    directions = metric_directions()
    decided = [(winner, a, b) for winner, a, b, *_ in votes if winner in ("a", "b")]
    rounds = boot_ratings.shape[0]
    rng = np.random.default_rng(list(seed))
    board = _Board(
        models=models,
        ratings=np.array([row["rating"] for row in rows], dtype=np.float64),
        boot_ratings=boot_ratings,
        asset_ids=asset_ids,
        indices=corr.resample_indices([len(ids) for ids in asset_ids], rounds, rng),
        decided=decided,
        human=np.array([0 if winner == "a" else 1 for winner, *_ in decided], dtype=np.int64),
        weights=corr.vote_weights(len(decided), rounds, rng),
    )
    table = []
    for name in ["executability", *sorted(values)]:
        info = metric_info(name, directions)

        def value(asset_id: int, name: str = name) -> tuple[bool, float]:
            if name == "executability":
                return True, 1.0 if ran[asset_id] else 0.0
            if not ran[asset_id]:
                return True, np.nan  # failed to run: a failure for every metric
            if asset_id not in values[name]:
                return False, np.nan
            v = values[name][asset_id]
            return True, np.nan if v is None else float(v)

        table.append(_metric_row(info, value, board))
    return table


def _metric_row(info: aggregate.MetricInfo, value: Any, board: _Board) -> dict[str, Any]:
    vals, pres = [], []
    for ids in board.asset_ids:
        known = [value(asset_id) for asset_id in ids]
        pres.append(np.array([k for k, _ in known], dtype=bool))
        vals.append(np.array([v for _, v in known], dtype=np.float64))
    payload = asset_metric_payload(models=board.models, ratings=board.ratings, boot_ratings=board.boot_ratings,
                                   info=info, values=vals, present=pres, indices=board.indices)  # fmt: skip
    pairs = [(value(a), value(b)) for _, a, b in board.decided]
    choice = corr.metric_choice(np.array([va for (_, va), _ in pairs]), np.array([vb for _, (_, vb) in pairs]),
                                info.higher_is_better)  # fmt: skip
    choice[[not (ka and kb) for (ka, _), (kb, _) in pairs]] = -1
    agreement = corr.agreement(board.human, choice, board.weights)
    return {**payload, "agreement": agreement | {"accuracy": _wilson_accuracy(agreement)}}


def _wilson_accuracy(agreement: dict[str, Any]) -> dict[str, Any]:
    """The share of agreeing answers, with a Wilson interval: unlike a bootstrap's, it does not shrink to 0 or 1."""
    n, table = agreement["n"], agreement["table"]
    if not n:
        return {"value": None, "low": None, "high": None, "interval": "wilson"}
    agree = table[0][0] + table[1][1]
    low, high = wilson_interval(agree, n)
    return {"value": agree / n, "low": low, "high": high, "interval": "wilson"}
