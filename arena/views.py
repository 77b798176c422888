from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from arena import agreement_selectors, selectors, services
from arena.models import Battle
from arena.proxies import client_address
from arena.services import ArenaError


def _client_ip(request: HttpRequest) -> str | None:
    """The client's address, for the per-IP limits: behind nginx and gunicorn, REMOTE_ADDR is nginx's."""
    return client_address(
        peer=request.META.get("REMOTE_ADDR"),
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""),
        proxies=tuple(settings.TRUSTED_PROXIES),
    )


def _annotator(request: HttpRequest) -> Any:
    return services.annotator_for(session=request.session, user=request.user)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ArenaError("The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise ArenaError("The request body must be a JSON object.")
    return body


def _error(exc: ArenaError) -> JsonResponse:
    return JsonResponse({"error": exc.message}, status=exc.status)


@require_GET
def vote_page(request: HttpRequest) -> HttpResponse:
    _annotator(request)
    context = {"auto_advance_default": False, "min_vote_seconds": settings.ARENA_MIN_VOTE_SECONDS}
    return render(request, "arena/vote.html", context)


@require_POST
def api_battle(request: HttpRequest) -> JsonResponse:
    try:
        battle = services.battle_create(annotator=_annotator(request), ip=_client_ip(request))
    except ArenaError as exc:
        return _error(exc)
    return JsonResponse(selectors.battle_payload(battle, token=services.battle_token(battle=battle)))


@require_POST
def api_vote(request: HttpRequest) -> JsonResponse:
    try:
        body = _json_body(request)
        vote = services.vote_record(
            token=str(body.get("token", "")),
            annotator=_annotator(request),
            winner=str(body.get("winner", "")),
            interacted_a=bool(body.get("interacted_a")),
            interacted_b=bool(body.get("interacted_b")),
            ip=_client_ip(request),
        )
    except ArenaError as exc:
        return _error(exc)
    # `duplicate`: a retry of the vote already taken, answered again and counted once.
    return JsonResponse({**selectors.reveal_payload(vote), "duplicate": vote.duplicate})


@require_GET
def battle_file(request: HttpRequest, battle_id: str, side: str, view: int | None = None) -> HttpResponse:
    """A battle's GLB or clay render, addressed by battle and side so nothing names the asset."""
    # The session names its annotator once a pair was served in it: then one query finds
    # the battle, and only if it was served to this annotator. A request with neither a
    # session annotator nor a login owns no battle (and creates no annotator).
    # Only the side's file names are read: a file request builds no model instance.
    annotator = request.session.get(services.SESSION_KEY)
    if annotator is None and request.user.is_authenticated:
        annotator = _annotator(request).public_id
    found = None
    if annotator and side in ("a", "b"):
        battles = Battle.objects.filter(public_id=battle_id, annotator__public_id=annotator)
        found = battles.values_list(f"asset_{side}__glb", f"asset_{side}__views").first()
    if found is None:
        raise Http404("No such battle")
    glb, views = found
    if view is None:
        name, content_type = glb, "model/gltf-binary"
    else:
        name, content_type = (views[view] if view < len(views or []) else ""), "image/png"
    if not name:
        raise Http404("No such file")
    filename = f"{side}.glb" if view is None else f"{side}-{view}.png"
    if settings.ARENA_ACCEL_REDIRECT and isinstance(default_storage, FileSystemStorage):
        # The proxy sends the file from its internal location (deploy/nginx.conf) and drops this
        # header: the browser still sees only the battle's address and the battle's file name.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.ARENA_ACCEL_REDIRECT + quote(name)
        response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=filename)
    else:
        try:
            # Streamed through the web server from any storage (local disk or S3), never redirected
            # to the storage URL: its key names the asset, and the file name sent is the battle's.
            handle = default_storage.open(name)
        except FileNotFoundError:
            raise Http404("No such file") from None
        response = FileResponse(handle, content_type=content_type, filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def api_stats(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"votes_today": selectors.votes_today(fresh=True)})


@require_GET
def me(request: HttpRequest) -> HttpResponse:
    annotator = _annotator(request)
    return render(request, "arena/me.html", {"annotator": annotator, "summary": selectors.annotator_summary(annotator)})


@require_GET
@staff_member_required
def agreement_page(request: HttpRequest) -> HttpResponse:
    """The agreement panel of the public arena's votes (staff only; each study's is on its dashboard)."""
    context = {
        "agreement": agreement_selectors.agreement_panel(),
        "json_url": "/arena/api/agreement/",
        "cache_minutes": agreement_selectors.OVERALL_CACHE_SECONDS // 60,
    }
    return render(request, "arena/agreement.html", context)


@require_GET
@staff_member_required
def api_agreement(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"study": None, "criterion": None, **agreement_selectors.agreement_panel()})
