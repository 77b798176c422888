"""Uploading one generator's output for one prompt from the browser.

`asset_upload` checks the file by content (`renderer.filetypes`), then creates
the Asset and its source file whole, or nothing, and queues the render on the
same path as imported assets (`asset_render_enqueue`: in-process or Celery).
A prompt and generator that already have an asset are refused: replacing a
rendered, perhaps already voted-on asset is a re-import, not an upload.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from arena.models import Asset, Generator, Prompt
from arena.services import sha256_text
from renderer.filetypes import SCRIPT_SUFFIX, NotThatType, check_upload
from renderer.tasks import asset_render_enqueue

log = logging.getLogger(__name__)


class UploadRefused(ValueError):
    """An upload that stores nothing; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def upload_limit_bytes() -> int:
    return int(settings.UPLOAD_MAX_MB) * 1024 * 1024


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Spools at most the upload limit (+1 byte) to disk, yet reports the whole size.

    An oversized request body is read to its end but never stored, so the form
    can refuse it by size without filling the disk.
    """

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        keep = raw_data[: max(0, self.limit + 1 - start)]
        if keep:
            self.file.write(keep)
        return None


def asset_upload(*, prompt: Prompt, generator_name: str, name: str, size: int, content: IO[bytes]) -> Asset:
    """Store an uploaded script or mesh as a pending asset and queue its render."""
    suffix, data, code = _checked(name=name, size=size, content=content)
    generator_name = _generator_name(generator_name)
    stored = ""
    try:
        with transaction.atomic():
            generator, _ = Generator.objects.get_or_create(name=generator_name)
            if Asset.objects.filter(prompt=prompt, generator=generator, is_reference=False).exists():
                raise _duplicate(prompt, generator_name)
            asset = Asset(prompt=prompt, generator=generator, source_code=code)
            asset.source_sha256 = sha256_text(code) if code else hashlib.sha256(data).hexdigest()
            if not code:
                # Named by the asset's random id: nothing in storage names the generator.
                asset.source_mesh.save(f"{asset.public_id}{suffix}", ContentFile(data), save=False)
                stored = asset.source_mesh.name or ""
            asset.save()
    except IntegrityError:  # the same prompt and generator, uploaded at the same moment
        _discard(stored)
        raise _duplicate(prompt, generator_name) from None
    except BaseException:
        _discard(stored)
        raise
    asset_render_enqueue(asset_ids=[asset.id])
    return asset


def _checked(*, name: str, size: int, content: IO[bytes]) -> tuple[str, bytes, str]:
    """(suffix, bytes, script text or '') of an upload that passed every check."""
    label = PurePath(name).name or "the file"
    limit = upload_limit_bytes()
    if size == 0:
        raise UploadRefused("file", f"{label} is empty")
    if size > limit:
        raise UploadRefused(
            "file", f"{label} is {size / 2**20:.1f} MB, over the {settings.UPLOAD_MAX_MB} MB limit (UPLOAD_MAX_MB)"
        )
    data = content.read(limit + 1)
    if len(data) != size:
        raise UploadRefused("file", f"{label} arrived incomplete ({len(data)} of {size} bytes)")
    suffix = PurePath(name).suffix.lower()
    try:
        code = check_upload(suffix, data)
    except NotThatType as exc:
        raise UploadRefused("file", f"{label}: {exc}") from None
    return suffix, data, code if suffix == SCRIPT_SUFFIX else ""


def _generator_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise UploadRefused("generator", "choose a generator or type a new generator's name")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise UploadRefused("generator", "the generator's name contains control characters")
    if len(name) > Generator._meta.get_field("name").max_length:  # type: ignore[operator]
        raise UploadRefused("generator", "the generator's name is longer than 200 characters")
    return name


def _duplicate(prompt: Prompt, generator_name: str) -> UploadRefused:
    return UploadRefused(
        "generator",
        f"{generator_name} already has an asset for prompt {prompt.slug!r}: nothing was stored "
        "(to replace it, re-import the run or delete the asset in the admin first)",
    )


def _discard(name: str) -> None:
    if name:
        try:
            default_storage.delete(name)
        except Exception:  # storage down: an orphaned source is harmless, the refusal matters
            log.warning("could not delete the refused upload %s", name, exc_info=True)


def upload_handlers(request: HttpRequest) -> list[Any]:
    """Small files in memory, larger ones spooled to disk up to the limit."""
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    return [MemoryFileUploadHandler(request), CappedUploadHandler(request, limit=upload_limit_bytes())]
