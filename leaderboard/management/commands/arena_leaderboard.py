from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from leaderboard.services import snapshots_refresh


class Command(BaseCommand):
    help = "Recompute every leaderboard now and store the snapshots."

    def handle(self, *args: Any, **options: Any) -> None:
        for snapshot in snapshots_refresh():
            self.stdout.write(f"{snapshot} -> {snapshot.public_id}")
