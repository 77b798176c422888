"""Events the arena sends up to the apps above it (connected in their `AppConfig.ready`).

Every cross-app event in the project is a Django signal in the sending app's
`signals.py`; the receiving app connects it in `ready()`, so no app imports
the apps above it. `emit` sends one: a failing receiver is logged and the
sender goes on (a vote is stored even when a downstream refresh cannot be
scheduled).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

# A vote was stored (after its commit): `study`, the study's id or None for a public vote.
votes_changed = Signal()
# A study participant arrived or consented (after its commit): `study`, the study's id.
participants_changed = Signal()
# Staff asked to render assets again: `asset_ids`, `force`.
renders_requested = Signal()
# The active sampler asks for current ratings: receivers return {model name: (rating, standard error)}.
ratings_wanted = Signal()


def emit(signal: Signal, **kwargs: Any) -> list[Any]:
    """Send `signal`; returns the receivers' answers (Django logs a failing one, left out here)."""
    return [answer for _, answer in signal.send_robust(sender=None, **kwargs) if not isinstance(answer, Exception)]
