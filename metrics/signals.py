"""Events the metrics app sends up (see `arena.signals` for how events travel)."""

from __future__ import annotations

from django.dispatch import Signal

# Metric values were stored or imported. `now`: the sender (a command) wants the
# correlation report refreshed before it returns; receivers then answer with what they did.
metrics_changed = Signal()
