"""Events inside the leaderboard app (see `arena.signals` for how events travel)."""

from __future__ import annotations

from django.dispatch import Signal

# New snapshots were stored: new ratings to correlate. No arguments.
snapshots_stored = Signal()
