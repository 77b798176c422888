from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from arena.models import Asset, Task
from arena.selectors import asset_by_public_id, categories, gallery_rows, render_counts


def _require_gallery_access(request: HttpRequest) -> None:
    # The gallery names generators; in production only staff may see it.
    if not settings.GALLERY_PUBLIC and not request.user.is_staff:
        raise PermissionDenied("The gallery is for staff: it shows which model made which asset.")


def gallery(request: HttpRequest) -> HttpResponse:
    _require_gallery_access(request)
    task = request.GET.get("task", "")
    category = request.GET.get("category", "")
    generators, rows = gallery_rows(task=task, category=category)
    context = {
        "generators": generators,
        "rows": rows,
        "counts": render_counts(),
        "tasks": Task.choices,
        "categories": categories(),
        "task": task,
        "category": category,
    }
    return render(request, "renderer/gallery.html", context)


def progress(request: HttpRequest) -> JsonResponse:
    _require_gallery_access(request)
    return JsonResponse(render_counts())


def asset_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_gallery_access(request)
    try:
        asset = asset_by_public_id(public_id)
    except Asset.DoesNotExist:
        raise Http404("No such asset") from None
    return render(request, "renderer/asset_detail.html", {"asset": asset})
