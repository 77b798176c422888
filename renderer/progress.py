"""Live render progress, broadcast on the `renders` Channels group."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

if TYPE_CHECKING:
    from arena.models import Asset

GROUP = "renders"
log = logging.getLogger(__name__)


def send(asset: Asset, *, stage: str, fraction: float) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {
        "type": "render.progress",
        "asset": asset.public_id,
        "prompt": asset.prompt.public_id,
        "stage": stage,
        "fraction": round(fraction, 3),
        "status": asset.status,
    }
    try:
        async_to_sync(layer.group_send)(GROUP, message)
    except Exception:  # progress is best effort: a render never fails for it
        log.warning("could not broadcast render progress", exc_info=True)
