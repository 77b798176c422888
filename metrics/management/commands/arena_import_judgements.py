from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from arena.models import Task
from metrics.judgements import FORMATS, judgements_import
from metrics.management.announce import changes_announce


class Command(BaseCommand):
    help = (
        "Import an automatic judge's pairwise verdicts (CSV, JSON lines, or the benchmark's LLM-judge output "
        "with --format benchmark): one row per judged pair with prompt, model_a, model_b, judge and winner. "
        "All or nothing: any bad row stores nothing, and every bad row is reported. See docs/import-format.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--judge", help="the judge of rows that name none")
        parser.add_argument("--kind", default="llm", help="the kind of a new judge (default: llm)")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="auto")
        parser.add_argument("--task", choices=Task.values, default=Task.TEXT,
                            help="benchmark format: the task of records without one")  # fmt: skip
        parser.add_argument("--no-report", action="store_true", help="do not refresh the correlation report")

    def handle(self, *args: Any, path: Path, judge: str | None, kind: str, fmt: str, task: str, no_report: bool,
               **options: Any) -> None:  # fmt: skip
        lines = _line_count(path)
        with tqdm(total=lines, desc="judgements", unit="line", disable=options["verbosity"] == 0 or not lines) as bar:
            report = judgements_import(path=path, judge=judge, kind=kind, fmt=fmt, task=task,
                                       progress=lambda line: bar.update(max(0, line - bar.n)))  # fmt: skip
        for error in report.errors:
            self.stderr.write(self.style.ERROR(f"error: {error}"))
        if report.errors:
            raise CommandError(f"{len(report.errors)} bad row(s): nothing was imported (see above)")
        self.stdout.write(
            f"{path} ({report.format}): {report.rows} judgement(s) of {', '.join(report.judges)}: "
            f"{report.created} created, {report.updated} updated"
        )
        if report.created + report.updated and not no_report:
            changes_announce(self)


def _line_count(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0
