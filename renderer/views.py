from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from arena.models import Asset, Task
from renderer import uploads
from renderer.forms import AssetUploadForm
from renderer.selectors import (
    asset_by_public_id,
    categories,
    gallery_rows,
    model_executability,
    prompt_given,
    render_counts,
)


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
        "executability": model_executability(task=task, category=category),
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
    context = {"asset": asset, "given": prompt_given(asset), "attempts": list(asset.generation_attempts.all())}
    return render(request, "renderer/asset_detail.html", context)


@csrf_exempt  # only so the upload handlers can be set first: `_upload_form` checks the token
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Staff upload a mesh or a Blender script for one prompt and generator."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_staff:
        raise PermissionDenied("Uploading assets is for staff.")
    request.upload_handlers = uploads.upload_handlers(request)
    return _upload_form(request)


@csrf_protect
def _upload_form(request: HttpRequest) -> HttpResponse:
    form = AssetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            asset = uploads.asset_upload(
                prompt=form.cleaned_data["prompt"],
                generator_name=form.generator_name,
                name=upload.name or "",
                size=upload.size or 0,
                content=upload,
            )
        except uploads.UploadRefused as exc:
            form.add_error(form.field_for(exc.field), exc.message)
        else:
            return redirect("renderer:asset", public_id=asset.public_id)
    context = {"form": form, "limit_mb": settings.UPLOAD_MAX_MB}
    return render(request, "renderer/upload.html", context, status=400 if form.errors else 200)
