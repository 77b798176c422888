"""Events the renderer sends up (see `arena.signals` for how events travel)."""

from __future__ import annotations

from django.dispatch import Signal

# A render finished and its asset row is committed: `asset_id`.
asset_rendered = Signal()
