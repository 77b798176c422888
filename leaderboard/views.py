from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from arena.models import Family, Task
from leaderboard import exports, selectors
from leaderboard.models import Snapshot
from leaderboard.selectors import Scope
from renderer.selectors import model_executability


def _lookup_text(value: str) -> str:
    # No stored name holds a NUL, and PostgreSQL refuses one in a query (a 500): nothing to find.
    if "\x00" in value:
        raise Http404("Nothing has that name")
    return value


def _scope(request: HttpRequest) -> Scope:
    """(task, family, category) of the query; a category's board is the category's alone (family ignored)."""
    task = request.GET.get("task", "")
    if task and task not in Task.values:
        raise Http404(f"Unknown task {task!r}")
    family = request.GET.get("family", "")
    if family and family not in Family.values:
        raise Http404(f"Unknown family {family!r}")
    category = _lookup_text(request.GET.get("category", ""))
    return task, "" if category else family, category


def _board_snapshot(task: str, family: str, category: str) -> Snapshot | None:
    """The board's latest snapshot; a category below the threshold has no board."""
    if category and selectors.category_votes(task=task).get(category, 0) < settings.LEADERBOARD_CATEGORY_MIN_VOTES:
        return None
    return selectors.latest_snapshot(task=task, family=family, category=category)


def snapshot_payload(snapshot: Snapshot | None, task: str, category: str, family: str = "") -> dict[str, Any]:
    if snapshot is None:
        return {"snapshot": None, "task": task, "family": family, "category": category, "rows": [], "n_votes": 0,
                "min_votes": settings.LEADERBOARD_MIN_VOTES}  # fmt: skip
    return {
        "min_votes": settings.LEADERBOARD_MIN_VOTES,
        "snapshot": snapshot.public_id,
        "created_at": snapshot.created_at.isoformat(),
        "task": snapshot.task,
        "family": snapshot.family,
        "category": snapshot.category,
        "n_votes": snapshot.n_votes,
        "votes_hash": snapshot.votes_hash,
        "options": snapshot.options,
        "rows": snapshot.rows,
        "models": snapshot.models_order,
        "win_matrix": snapshot.win_matrix,
        "count_matrix": snapshot.count_matrix,
    }


@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    task, family, category = _scope(request)
    snapshot = _board_snapshot(task, family, category)
    category_votes = selectors.category_votes(task=task).get(category, 0) if category else 0
    context = {
        "board": snapshot_payload(snapshot, task, category, family),
        "snapshot": snapshot,
        "task": task,
        "family": family,
        "category": category,
        "tasks": Task.choices,
        "families": Family.choices,
        "category_boards": selectors.category_boards(task=task),
        "category_min_votes": settings.LEADERBOARD_CATEGORY_MIN_VOTES,
        "category_votes": category_votes,
        "category_missing": max(settings.LEADERBOARD_CATEGORY_MIN_VOTES - category_votes, 0),
        "executability": model_executability(task=task, family=family, category=category),
        "formats": exports.FORMATS,
    }
    return render(request, "leaderboard/board.html", context)


@require_GET
def api_board(request: HttpRequest) -> JsonResponse:
    task, family, category = _scope(request)
    return JsonResponse(snapshot_payload(_board_snapshot(task, family, category), task, category, family))


@require_GET
def api_history(request: HttpRequest) -> JsonResponse:
    task, family, category = _scope(request)
    history = selectors.snapshot_history(task=task, family=family, category=category)
    points = [
        {"snapshot": s.public_id, "created_at": s.created_at.isoformat(), "n_votes": s.n_votes,
         "ratings": {row["model"]: row["rating"] for row in s.rows}}
        for s in history
    ]  # fmt: skip
    return JsonResponse({"task": task, "family": family, "category": category, "history": points})


@require_GET
def api_snapshot(request: HttpRequest, public_id: str) -> JsonResponse:
    snapshot = Snapshot.objects.filter(public_id=_lookup_text(public_id)).first()
    if snapshot is None:
        raise Http404("No such snapshot")
    return JsonResponse(snapshot_payload(snapshot, snapshot.task, snapshot.category, snapshot.family))


@require_GET
def export(request: HttpRequest) -> StreamingHttpResponse:
    fmt = request.GET.get("format", "fastchat")
    if fmt not in exports.FORMATS:
        raise Http404(f"Unknown format {fmt!r}")
    task, family, category = _scope(request)
    include_flagged = request.GET.get("include_flagged") in ("1", "true")
    rows = selectors.export_rows(include_flagged=include_flagged, task=task, family=family, category=category)
    response = StreamingHttpResponse(exports.chunks(rows, fmt), content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="arena-battles.{exports.EXTENSIONS[fmt]}"'
    return response
