from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from arena.models import Family, Generator, Task
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
        "options": {key: value for key, value in snapshot.options.items() if key != "variants"},
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


class BadVariantQuery(Exception):
    """A variant board query naming an unknown task or model."""


def _variant_query(request: HttpRequest) -> tuple[list[str], str]:
    """The tasks asked for (all when none) and the model ("" for all models)."""
    task = request.GET.get("task", "")
    if task and task not in Task.values:
        raise BadVariantQuery(f"Unknown task {task!r}: expected one of {', '.join(Task.values)}")
    model = request.GET.get("model", "")
    if model and ("\x00" in model or not Generator.objects.filter(name=model).exists()):
        raise BadVariantQuery(f"Unknown model {model!r} in the query parameter 'model'")
    return [task] if task else list(Task.values), model


@require_GET
def variants_page(request: HttpRequest) -> HttpResponse:
    try:
        tasks, model = _variant_query(request)
    except BadVariantQuery as exc:
        raise Http404(str(exc)) from exc
    stored = selectors.variant_boards()
    boards = [_variant_tables(variant_payload(task, model, stored.get(task))) for task in tasks]
    context = {"boards": boards, "model": model, "task": request.GET.get("task", ""), "tasks": Task.choices,
               "models": selectors.variant_models(stored), "min_votes": settings.LEADERBOARD_MIN_VOTES}  # fmt: skip
    return render(request, "leaderboard/variants.html", context)


@require_GET
def api_variants(request: HttpRequest) -> JsonResponse:
    try:
        tasks, model = _variant_query(request)
    except BadVariantQuery as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    stored = selectors.variant_boards()
    boards = [variant_payload(task, model, stored.get(task)) for task in tasks]
    return JsonResponse({"model": model, "min_votes": settings.LEADERBOARD_MIN_VOTES, "boards": boards})


def variant_payload(task: str, model: str, found: Any) -> dict[str, Any]:
    """One task's variant board, for one model (its settings, win matrix and opponents) or for all."""
    snapshot, board = found if found else (None, None)
    payload: dict[str, Any] = {
        "task": task,
        "task_label": selectors.task_label(task),
        "snapshot": snapshot.public_id if snapshot else None,
        "created_at": snapshot.created_at.isoformat() if snapshot else None,
        "votes_hash": snapshot.votes_hash if snapshot else None,
        "task_votes": snapshot.n_votes if snapshot else 0,
        "n_votes": board["n_votes"] if board else 0,
        "bootstrap": board["bootstrap"] if board else None,
        "mle_exists": board["mle_exists"] if board else True,
        "parts": board["parts"] if board else 0,
        "settings": [],
        "dimensions": board["dimensions"] if board else [],
    }
    if board is None:
        return payload
    payload["settings"] = [row for row in board["settings"] if not model or row["model"] == model]
    if model:
        found_model = board["models"].get(model, {"settings": [], "win_matrix": [], "versus": []})
        payload["matrix_settings"] = found_model["settings"]
        payload["win_matrix"] = found_model["win_matrix"]
        payload["versus"] = found_model["versus"]
    return payload


def _variant_tables(board: dict[str, Any]) -> dict[str, Any]:
    """The page's tables from a variant payload: matrix and opponent rows by label, dimension rows by value."""
    rows = {row["setting"]: row for row in board["settings"]}
    names = board.get("matrix_settings", [])
    board["matrix_rows"] = [
        {"setting": name, "label": rows[name]["label"] or name, "cells": cells}
        for name, cells in zip(names, board.get("win_matrix", []), strict=True)
    ]
    board["versus_rows"] = [
        {"opponent": v["opponent"], "cells": [{"battles": n, "win_rate": r} for n, r in zip(*pair, strict=True)]}
        for v in board.get("versus", [])
        for pair in [(v["battles"], v["win_rate"])]
    ]
    board["dimension_tables"] = [
        {
            **dimension,
            "rows": [
                {"model": group["model"], "cells": [group["ratings"].get(value) for value in dimension["values"]]}
                for group in dimension["groups"]
            ],
        }
        for dimension in board["dimensions"]
        if dimension["effects"]
    ]
    return board
