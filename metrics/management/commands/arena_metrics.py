from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from metrics.backends import UnknownMetric
from metrics.management.announce import changes_announce
from metrics.services import metrics_backfill


class Command(BaseCommand):
    help = "Compute the automatic metrics of rendered assets that lack them (all again with --force)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metric", help="only this metric (e.g. chamfer, ssim, siglip_render_paired)")
        parser.add_argument("--force", action="store_true", help="compute again even where a value exists")
        parser.add_argument("--no-report", action="store_true", help="do not refresh the correlation report")

    def handle(self, *args: Any, metric: str | None, force: bool, no_report: bool, **options: Any) -> None:
        bar = tqdm(desc="metrics", unit="asset", disable=options["verbosity"] == 0)

        def on_total(total: int) -> None:
            bar.reset(total=total)

        try:
            report = metrics_backfill(metric=metric, force=force, on_total=on_total, on_asset=lambda _: bar.update())
        except UnknownMetric as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        for error in report.errors:
            self.stderr.write(self.style.ERROR(f"error: {error}"))
        self.stdout.write(f"Scored {report.computed} of {report.assets} asset(s): {report.values} value(s) stored")
        if report.values and not no_report:
            changes_announce(self)
        if report.errors:
            raise CommandError(f"{len(report.errors)} asset(s) could not be scored (see above)")
