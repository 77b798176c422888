"""Fitting a study's boards (one per criterion) in the background, as the public boards are fitted."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings

from arena.agreement import wilson_interval
from arena.background import debounce_clear
from arena.models import Study
from leaderboard import correlation as corr
from leaderboard import study_selectors
from leaderboard.correlation_services import metric_directions, metric_info
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
    metrics = board_metric_table(votes=study_selectors.study_board_votes(study_id=study_id, criterion=criterion),
                                 rows=board.rows)  # fmt: skip
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


def board_metric_table(*, votes: Sequence[BoardVote], rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """How each automatic metric agrees with a study board: one entry per metric measured on its assets.

    Model level: Spearman and Pearson between the board's ratings and each model's mean over the assets
    shown in the board's votes (conditional and penalised means, as on the correlation page; a
    lower-is-better metric's sign flipped, so positive is agreement). Vote level: over the decided answers
    (A or B better), the share where the metric prefers the chosen asset, with a Wilson 95% interval, and
    Cohen's κ of the 2×2 table; `coverage` is the share of decided answers where the metric had a preference.
    """
    models = [row["model"] for row in rows]
    ratings = np.array([row["rating"] for row in rows], dtype=np.float64)
    where = {model: k for k, model in enumerate(models)}
    shown: list[set[int]] = [set() for _ in models]
    for _, asset_a, asset_b, model_a, model_b in votes:
        shown[where[model_a]].add(asset_a)
        shown[where[model_b]].add(asset_b)
    asset_ids = [sorted(ids) for ids in shown]
    ran, values = study_selectors.asset_metric_values(asset_ids={a for ids in asset_ids for a in ids})
    directions = metric_directions()
    decided = [(winner, a, b) for winner, a, b, *_ in votes if winner in ("a", "b")]
    human = np.array([0 if winner == "a" else 1 for winner, *_ in decided], dtype=np.int64)
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

        table.append(_metric_row(info, asset_ids, value, ratings, decided, human))
    return table


def _metric_row(info: aggregate.MetricInfo, asset_ids: list[list[int]], value: Any, ratings: np.ndarray,
                decided: list[tuple[str, int, int]], human: np.ndarray) -> dict[str, Any]:  # fmt: skip
    vals, pres = [], []
    for ids in asset_ids:
        known = [value(asset_id) for asset_id in ids]
        pres.append(np.array([k for k, _ in known], dtype=bool))
        vals.append(np.array([v for _, v in known], dtype=np.float64))
    conditional, penalised = aggregate.model_means(vals, pres, info)
    models: dict[str, Any] = {}
    for label, means in (("conditional", conditional), ("penalised", penalised)):
        oriented = corr.orient(means, info.higher_is_better)
        keep = np.isfinite(oriented) & np.isfinite(ratings)
        models[label] = {"n_models": int(keep.sum()),
                         **{c: corr.coefficient(ratings[keep], oriented[keep], c) if keep.sum() >= corr.MIN_MODELS
                            else None for c in ("spearman", "pearson")}}  # fmt: skip
    pairs = [(value(a), value(b)) for _, a, b in decided]
    choice = corr.metric_choice(np.array([va for (_, va), _ in pairs]), np.array([vb for _, (_, vb) in pairs]),
                                info.higher_is_better)  # fmt: skip
    choice[[not (ka and kb) for (ka, _), (kb, _) in pairs]] = -1
    votes = corr.agreement(human, choice) if len(decided) else None
    accuracy = None
    if votes is not None and votes["n"]:
        agree = votes["table"][0][0] + votes["table"][1][1]
        low, high = wilson_interval(agree, votes["n"])
        accuracy = {"estimate": agree / votes["n"], "low": low, "high": high}
    return {
        "name": info.name, "label": info.label, "higher_is_better": info.higher_is_better,
        "direction_assumed": info.direction_assumed, **models,
        "votes": {"decided": len(decided), "n": votes["n"] if votes else 0,
                  "coverage": votes["coverage"] if votes else None, "accuracy": accuracy,
                  "kappa": votes["kappa"]["value"] if votes else None},
    }  # fmt: skip
