"""Live render progress, broadcast on the `renders` Channels group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arena.broadcast import group_send

if TYPE_CHECKING:
    from arena.models import Asset

GROUP = "renders"


def send(asset: Asset, *, stage: str, fraction: float) -> None:
    """Best effort, like every broadcast: a render never fails for it."""
    group_send(
        GROUP,
        {
            "type": "render.progress",
            "asset": asset.public_id,
            "prompt": asset.prompt.public_id,
            "stage": stage,
            "fraction": round(fraction, 3),
            "status": asset.status,
        },
    )
