from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from arena.models import Task
from arena.selectors import categories
from leaderboard import exports, selectors
from leaderboard.models import Snapshot


def _lookup_text(value: str) -> str:
    # No stored name holds a NUL, and PostgreSQL refuses one in a query (a 500): nothing to find.
    if "\x00" in value:
        raise Http404("Nothing has that name")
    return value


def _scope(request: HttpRequest) -> tuple[str, str]:
    task = request.GET.get("task", "")
    if task and task not in Task.values:
        raise Http404(f"Unknown task {task!r}")
    return task, _lookup_text(request.GET.get("category", ""))


def snapshot_payload(snapshot: Snapshot | None, task: str, category: str) -> dict[str, Any]:
    if snapshot is None:
        return {"snapshot": None, "task": task, "category": category, "rows": [], "n_votes": 0,
                "min_votes": settings.LEADERBOARD_MIN_VOTES}  # fmt: skip
    return {
        "min_votes": settings.LEADERBOARD_MIN_VOTES,
        "snapshot": snapshot.public_id,
        "created_at": snapshot.created_at.isoformat(),
        "task": snapshot.task,
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
    task, category = _scope(request)
    snapshot = selectors.latest_snapshot(task=task, category=category)
    context = {
        "board": snapshot_payload(snapshot, task, category),
        "snapshot": snapshot,
        "task": task,
        "category": category,
        "tasks": Task.choices,
        "categories": categories(),
        "formats": exports.FORMATS,
    }
    return render(request, "leaderboard/board.html", context)


@require_GET
def api_board(request: HttpRequest) -> JsonResponse:
    task, category = _scope(request)
    return JsonResponse(snapshot_payload(selectors.latest_snapshot(task=task, category=category), task, category))


@require_GET
def api_history(request: HttpRequest) -> JsonResponse:
    task, category = _scope(request)
    history = selectors.snapshot_history(task=task, category=category)
    points = [
        {"snapshot": s.public_id, "created_at": s.created_at.isoformat(), "n_votes": s.n_votes,
         "ratings": {row["model"]: row["rating"] for row in s.rows}}
        for s in history
    ]  # fmt: skip
    return JsonResponse({"task": task, "category": category, "history": points})


@require_GET
def api_snapshot(request: HttpRequest, public_id: str) -> JsonResponse:
    snapshot = Snapshot.objects.filter(public_id=_lookup_text(public_id)).first()
    if snapshot is None:
        raise Http404("No such snapshot")
    return JsonResponse(snapshot_payload(snapshot, snapshot.task, snapshot.category))


@require_GET
def export(request: HttpRequest) -> StreamingHttpResponse:
    fmt = request.GET.get("format", "fastchat")
    if fmt not in exports.FORMATS:
        raise Http404(f"Unknown format {fmt!r}")
    task, category = _scope(request)
    include_flagged = request.GET.get("include_flagged") in ("1", "true")
    rows = selectors.export_rows(include_flagged=include_flagged, task=task, category=category)
    response = StreamingHttpResponse(exports.chunks(rows, fmt), content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="arena-battles.{exports.EXTENSIONS[fmt]}"'
    return response
