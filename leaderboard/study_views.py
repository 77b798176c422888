"""A study's board: ratings from its own votes, one board per criterion (staff only unless published)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from arena.models import Study
from leaderboard import correlation as corr
from leaderboard import correlation_services, study_selectors, tasks
from leaderboard.models import StudyBoard

SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # what a study's slug may hold (a SlugField)


class BoardRefused(Exception):
    """No such study or criterion (404), or a private board asked for by someone not staff (403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def _may_see(request: HttpRequest, study: Study) -> bool:
    return study.board_public or (request.user.is_active and request.user.is_staff)


def _criterion(request: HttpRequest, study: Study) -> str:
    """The criterion asked for (its first criterion by default; "" without criteria)."""
    keys = [criterion["key"] for criterion in study.criteria]
    criterion = request.GET.get("criterion", keys[0] if keys else "")
    if criterion not in (keys or [""]):
        expected = ", ".join(keys) if keys else "none: this study asks a single question"
        raise BoardRefused(f"Unknown criterion {criterion!r} in the query parameter 'criterion' ({expected}).", 404)
    return criterion


def _board_query(request: HttpRequest, slug: str) -> tuple[Study, str]:
    """The study and the criterion asked for."""
    study = Study.objects.filter(slug=slug).first()
    if study is None:
        raise BoardRefused("No such study.", 404)
    if not _may_see(request, study):
        raise BoardRefused("This study's board is shown to staff only until the study publishes it.", 403)
    return study, _criterion(request, study)


def correlation_query(request: HttpRequest) -> tuple[Study, str]:
    """The correlation page's `?study=<slug>&criterion=<key>`: a study whose board one may not see is unknown (404)."""
    slug = request.GET.get("study", "")
    # A study's slug is a slug: anything else names no study, and is not sent to the database (NUL bytes).
    study = Study.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if study is None or not _may_see(request, study):
        raise BoardRefused(f"Unknown study {slug!r} in the query parameter 'study'.", 404)
    return study, _criterion(request, study)


def study_board_payload(study: Study, criterion: str) -> dict[str, Any]:
    """The latest board of a study's criterion; schedules a refit when the counted votes or the metrics moved on."""
    board: StudyBoard | None = study_selectors.latest_study_board(study=study, criterion=criterion)
    counted = study_selectors.study_counted_votes(study=study)
    stale = board is None or board.n_votes != counted
    if not stale and board is not None:  # metrics stored or recomputed since: its metric table is refitted
        stale = (board.options or {}).get("metrics_fingerprint") != study_selectors.metrics_fingerprint()
    updating = counted > 0 and stale
    if updating:
        tasks.study_refresh_request(study=study.id)  # in the background: never a bootstrap inside a request
    labels = {c["key"]: c["label"] for c in study.criteria}
    payload: dict[str, Any] = {
        "study": study.slug,
        "title": study.title,
        "criterion": criterion,
        "criterion_label": labels.get(criterion, "Which is better?"),
        "criteria": study.criteria,
        "public": study.board_public,
        "counted_votes": counted,
        "updating": updating,
        "min_votes": settings.LEADERBOARD_MIN_VOTES,
        "board": None,
        "n_votes": 0,
        "rows": [],
    }
    if board is None:
        return payload
    options = board.options or {}
    if not study_selectors.metric_table_current(options):
        options = {**options, "metrics": []}  # an older layout: refitted in the background (`updating`)
    return payload | {
        "board": board.public_id,
        "created_at": board.created_at.isoformat(),
        "compute_seconds": board.compute_seconds,
        "n_votes": board.n_votes,
        "votes_hash": board.votes_hash,
        "options": options,
        "rows": board.rows,
        "models": board.models_order,
        "win_matrix": board.win_matrix,
        "count_matrix": board.count_matrix,
    }


def study_correlation_payload(study: Study, criterion: str) -> dict[str, Any]:
    """The correlation page's data for one study board: its stored metric table, laid out as a report of one board.

    Read from the stored board, never computed here (the table is fitted with the board in the background).
    A study board has no judges section and no annotator ceiling (`null`).
    """
    board = study_board_payload(study, criterion)
    status = "ready" if board["board"] else "computing" if board["counted_votes"] else "empty"
    about = {key: board[key] for key in ("study", "title", "criterion", "criterion_label", "criteria", "public")}
    payload: dict[str, Any] = {"status": status, "updating": board["updating"], "report": None,
                               "learned": correlation_services.learned_status(), "study": about}  # fmt: skip
    if board["board"] is None:
        return payload
    rows = board["rows"]
    scope = {
        "task": "",
        "category": "",
        "study": study.slug,
        "criterion": criterion,
        "label": f"{study.title} · {board['criterion_label']}",
        "enough_models": len(rows) >= corr.MIN_MODELS,
        "min_models": corr.MIN_MODELS,
        "snapshot": board["board"],
        "snapshot_created_at": board["created_at"],
        "n_votes": board["n_votes"],
        "votes_hash": board["votes_hash"],
        "models": [{key: row[key] for key in ("model", "rating", "ci_low", "ci_high")} for row in rows],
        "metrics": board["options"].get("metrics", []),
        "human_agreement": None,
        "judges": None,
    }
    report = {
        "report": board["board"],
        "generated_at": board["created_at"],
        "compute_seconds": board["compute_seconds"],
        "rounds": board["options"].get("bootstrap"),
        "seed": board["options"].get("seed"),
        "level": corr.LEVEL,
        "coefficients": list(corr.COEFFICIENTS),
        "aggregations": list(corr.AGGREGATIONS),
        "scopes": [scope],
    }
    return payload | {"report": report}


@require_GET
def study_board_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        study, criterion = _board_query(request, slug)
    except BoardRefused as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        raise PermissionDenied(exc.message) from None
    context = {"study": study, "board": study_board_payload(study, criterion)}
    return render(request, "leaderboard/study_board.html", context)


@require_GET
def study_api_board(request: HttpRequest, slug: str) -> JsonResponse:
    try:
        study, criterion = _board_query(request, slug)
    except BoardRefused as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse(study_board_payload(study, criterion))
