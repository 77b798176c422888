from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.imports import metrics_import
from metrics.management.announce import changes_announce


class Command(BaseCommand):
    help = (
        "Import metric values computed elsewhere from a CSV file: asset level (model,prompt,metric,value) "
        "or model level (model,metric,value[,task]), either with an optional direction column (higher or "
        "lower is better) for metrics outside the built-in catalogue. Good rows are kept; each bad one is reported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--no-report", action="store_true", help="do not refresh the correlation report")

    def handle(self, *args: Any, path: Path, no_report: bool, **options: Any) -> None:
        report = metrics_import(path=path)
        for error in report.errors:
            self.stderr.write(self.style.ERROR(f"error: {error}"))
        level = f" ({report.layout} level)" if report.layout else ""
        self.stdout.write(
            f"{path}{level}: {report.created} created, {report.updated} updated, {len(report.errors)} error(s)"
        )
        for name, higher in report.directions.items():
            how = "declared in this file" if name in report.declared else "as declared before"
            self.stdout.write(f"metric {name!r}: {'higher' if higher else 'lower'} is better ({how})")
        for name in report.assumed:
            self.stdout.write(
                self.style.WARNING(
                    f"warning: metric {name!r} is not in the built-in catalogue and no direction was declared: "
                    "it is treated as higher-is-better. If lower is better, import it again with a direction "
                    "column set to 'lower'."
                )
            )
        if report.created + report.updated and not no_report:
            changes_announce(self)
        if report.errors:
            raise CommandError(f"{len(report.errors)} row(s) were not imported (see above)")
