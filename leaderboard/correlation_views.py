"""The correlation page and its downloads: they read the stored report, never compute it."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from arena.models import Task
from leaderboard import correlation_services as services
from leaderboard import study_views, tasks
from leaderboard.models import CorrelationReport, Snapshot


def _state(report: CorrelationReport | None) -> str:
    if report is not None:
        return "ready"
    return "computing" if Snapshot.objects.exists() else "empty"


def _payload(report: CorrelationReport | None) -> dict[str, Any]:
    return {
        "status": _state(report),
        "updating": services.report_in_progress(),
        "report": report.report if report else None,
        "learned": report.report.get("learned") if report else services.learned_status(),
    }


def _latest() -> CorrelationReport | None:
    report = services.report_latest()
    if report is None and Snapshot.objects.exists():
        tasks.report_request()  # schedules the background computation; returns at once
    return report


def _pick(scopes: list[dict[str, Any]], task: str, category: str) -> dict[str, Any] | None:
    """The board asked for, else the task's overall board, else the first."""
    for wanted in ((task, category), (task, "")):
        found = [s for s in scopes if (s["task"], s.get("category", "")) == wanted]
        if found:
            return found[0]
    return scopes[0] if scopes else None


def _study_page(request: HttpRequest) -> HttpResponse:
    """The page for one study board's criterion (`?study=<slug>&criterion=<key>`), from its stored metric table."""
    try:
        study, criterion = study_views.correlation_query(request)
    except study_views.BoardRefused as exc:
        raise Http404(exc.message) from None
    data = study_views.study_correlation_payload(study, criterion)
    context = {
        "data": data,
        "computed_at": parse_datetime(data["report"]["generated_at"]) if data["report"] else None,
        "scope": data["report"]["scopes"][0] if data["report"] else None,
        "study": study,
        "criterion": criterion,
        "learned": data["learned"],
    }
    return render(request, "leaderboard/correlation.html", context)


@require_GET
def correlation_page(request: HttpRequest) -> HttpResponse:
    if "study" in request.GET:
        return _study_page(request)
    task, category = request.GET.get("task", ""), request.GET.get("category", "")
    if task and task not in Task.values:
        raise Http404(f"Unknown task {task!r}")
    report = _latest()
    payload = _payload(report)
    scopes = payload["report"]["scopes"] if payload["report"] else []
    scope = _pick(scopes, task, category)
    task = scope["task"] if scope else task
    context = {
        "data": payload,
        "computed_at": report.finished_at if report else None,
        "scope": scope,
        "tasks": [s for s in scopes if not s.get("category")],
        "categories": sorted({s["category"] for s in scopes if s.get("category") and s["task"] == task}),
        "task": task,
        "category": scope.get("category", "") if scope else "",
        "learned": payload["learned"],
    }
    return render(request, "leaderboard/correlation.html", context)


@require_GET
def api_correlation(request: HttpRequest) -> JsonResponse:
    if "study" not in request.GET:
        return JsonResponse(_payload(_latest()))
    try:
        study, criterion = study_views.correlation_query(request)
    except study_views.BoardRefused as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse(study_views.study_correlation_payload(study, criterion))


@require_GET
def correlation_download(request: HttpRequest, fmt: str) -> HttpResponse:
    report = services.report_latest()
    if report is None:
        raise Http404("No correlation report yet")
    if fmt == "json":
        body, content_type = json.dumps(report.report, indent=1), "application/json"
    elif fmt == "csv":
        body, content_type = services.report_csv(report.report), "text/csv; charset=utf-8"
    else:
        raise Http404(f"Unknown format {fmt!r}")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="arena-correlation-{report.public_id}.{fmt}"'
    return response
