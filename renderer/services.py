"""Rendering assets: claim one, run it through the sandboxed pool, store the results.

The Blender side (renderer/runtime/pool.py and friends) knows nothing of Django; this
module maps an Asset row to an input file and the pool's outputs back to
storage, so a render either lands whole or leaves the asset retryable.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arena.models import Asset, Status
from arena.signals import emit
from renderer import progress
from renderer.signals import asset_rendered
from renderer.workers import get_pool

log = logging.getLogger(__name__)

LOG_LIMIT = 64 * 1024
# A render still `running` after this long was lost with its worker.
STALE_AFTER = timedelta(seconds=settings.RENDER_TIMEOUT + 120)


def asset_claim(*, asset_id: int, force: bool = False) -> Asset | None:
    """Mark the asset running, or return None when there is nothing to do."""
    with transaction.atomic():
        asset = Asset.objects.select_for_update(of=("self",)).select_related("prompt", "generator").get(id=asset_id)
        if asset.status != Status.PENDING and not force and asset.status != Status.RUNNING:
            return None
        asset.status = Status.RUNNING
        asset.attempts += 1
        asset.render_started_at = timezone.now()
        asset.save(update_fields=["status", "attempts", "render_started_at"])
    return asset


def _write_input(asset: Asset, work: Path) -> Path:
    if asset.source_code:
        path = work / "input.py"
        path.write_text(asset.source_code, encoding="utf-8")
        return path
    suffix = Path(asset.source_mesh.name or "").suffix.lower()
    path = work / f"input{suffix}"
    with asset.source_mesh.open("rb") as src, path.open("wb") as dst:
        for chunk in src.chunks():
            dst.write(chunk)
    return path


def _store(asset: Asset, out: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Copy the pool's files into storage under the asset's opaque id."""
    files = result.get("files") or {}
    prefix = f"assets/{asset.public_id}"
    stored: dict[str, Any] = {"glb": "", "mesh": "", "views": []}
    for key, target in (("glb", "model.glb"), ("mesh", "mesh.glb")):
        if files.get(key):
            stored[key] = _save(out / files[key], f"{prefix}/{target}")
    for view in files.get("views") or []:
        stored["views"].append(_save(out / view, f"{prefix}/{Path(view).name}"))
    return stored


def _save(path: Path, name: str) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    with path.open("rb") as handle:
        return default_storage.save(name, File(handle))


def _log_text(result: dict[str, Any]) -> str:
    parts = [result.get("stdout") or "", result.get("stderr") or ""]
    return "\n".join(p for p in parts if p)[-LOG_LIMIT:]


def asset_render(*, asset_id: int, force: bool = False) -> Asset | None:
    """Render one asset by id. Safe to call twice: a finished asset is left alone."""
    asset = asset_claim(asset_id=asset_id, force=force)
    if asset is None:
        return None
    progress.send(asset, stage="running", fraction=0.0)
    try:
        with tempfile.TemporaryDirectory(prefix="arena-render-") as tmp:
            work = Path(tmp)
            source = _write_input(asset, work)

            def on_progress(stage: str, fraction: float) -> None:
                progress.send(asset, stage=stage, fraction=fraction)

            result = get_pool().run(source, work / "out", on_progress=on_progress)
            stored = _store(asset, work / "out", result)
    except Exception as exc:
        # The job never ran to a verdict (sandbox missing, storage down...): leave it retryable.
        Asset.objects.filter(id=asset.id).update(status=Status.PENDING, error=f"render not run: {exc}")
        progress.send(asset, stage="failed", fraction=1.0)
        raise
    return asset_store_result(asset=asset, result=result, stored=stored)


def asset_store_result(*, asset: Asset, result: dict[str, Any], stored: dict[str, Any]) -> Asset:
    asset.status = result["status"]
    asset.error = result.get("error") or ""
    asset.traceback = result.get("traceback") or ""
    asset.log = _log_text(result)
    asset.glb.name = stored["glb"]
    asset.mesh.name = stored["mesh"]
    asset.views = stored["views"]
    asset.stats = result.get("stats") or {}
    asset.timings = result.get("timings") or {}
    asset.sandboxed = bool(result.get("sandboxed", True))
    asset.rendered_at = timezone.now()
    asset.save()
    progress.send(asset, stage="done", fraction=1.0)
    transaction.on_commit(lambda: emit(asset_rendered, asset_id=asset.id))
    return asset


def assets_to_render(*, force: bool = False) -> list[int]:
    """Pending assets, and running ones whose worker was lost."""
    stale = Q(status=Status.RUNNING, render_started_at__lt=timezone.now() - STALE_AFTER)
    query = Asset.objects.all() if force else Asset.objects.filter(Q(status=Status.PENDING) | stale)
    return list(query.order_by("is_reference", "id").values_list("id", flat=True))


def assets_reset(asset_ids: list[int]) -> None:
    """Mark assets pending again, so they render anew."""
    Asset.objects.filter(id__in=asset_ids).update(status=Status.PENDING)
