from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from tqdm import tqdm

from arena.background import uses_celery
from renderer.runtime.pool import SandboxUnavailable
from renderer.services import asset_render, assets_to_render
from renderer.tasks import asset_render_enqueue


class Command(BaseCommand):
    help = "Render every pending asset (and any whose worker was lost), with a progress bar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="render every asset again")
        parser.add_argument("--local", action="store_true", help="render here even when a broker is configured")

    def handle(self, *args: Any, force: bool, local: bool, **options: Any) -> None:
        ids = assets_to_render(force=force)
        if not ids:
            self.stdout.write("Nothing to render.")
            return
        if uses_celery() and not local:
            asset_render_enqueue(asset_ids=ids, force=force)
            self.stdout.write(f"Queued {len(ids)} render job(s) for the Celery workers.")
            return
        counts = self.render_here(ids, force=force, quiet=options["verbosity"] == 0)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(f"Rendered {len(ids)} asset(s): {summary}")

    def render_here(self, ids: list[int], *, force: bool, quiet: bool) -> dict[str, int]:
        counts: dict[str, int] = {}

        def one(asset_id: int) -> str:
            close_old_connections()
            try:
                asset = asset_render(asset_id=asset_id, force=force)
                return asset.status if asset else "skipped"
            finally:
                close_old_connections()

        with ThreadPoolExecutor(max_workers=settings.RENDER_WORKERS) as executor:
            futures = [executor.submit(one, asset_id) for asset_id in ids]
            with tqdm(total=len(ids), desc="rendering", unit="asset", disable=quiet) as bar:
                for future in as_completed(futures):
                    try:
                        status = future.result()
                    except SandboxUnavailable as exc:
                        for other in futures:
                            other.cancel()
                        raise CommandError(str(exc)) from None
                    counts[status] = counts.get(status, 0) + 1
                    bar.update()
                    bar.set_postfix(counts)
        return counts
