from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from leaderboard.outliers import DEFAULT_MIN_VOTES, OutlierTest, outlier_tests, outliers_flag


class Command(BaseCommand):
    help = (
        "Test each annotator's votes against the consensus ratings (Fisher's method) "
        "and flag those under the p-value threshold; see docs/quality.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="report only, flag nobody")
        parser.add_argument("--p", type=float, default=None, help="threshold (default settings.ARENA_OUTLIER_P)")
        parser.add_argument("--min-votes", type=int, default=DEFAULT_MIN_VOTES, help="decided votes to be tested")
        parser.add_argument("--show", type=int, default=20, help="rows of the table (lowest p-values first)")

    def handle(self, *args: Any, **options: Any) -> None:
        p = settings.ARENA_OUTLIER_P if options["p"] is None else options["p"]
        quiet = options["verbosity"] == 0
        tests = outlier_tests(
            min_votes=options["min_votes"], progress=lambda ids: tqdm(ids, unit="annotator", disable=quiet)
        )
        outliers = [t for t in tests if t.is_outlier(p)]
        if not options["dry_run"]:
            outliers_flag(tests=outliers, p=p)
        self.stdout.write(self.table(tests, p, options["show"], options["dry_run"]))
        verb = "would flag" if options["dry_run"] else "flagged"
        self.stdout.write(f"{len(tests)} annotators tested (>= {options['min_votes']} decided votes); "
                          f"{verb} {len(outliers)} at p < {p:g}")  # fmt: skip

    def table(self, tests: list[OutlierTest], p: float, show: int, dry_run: bool) -> str:
        lines = ["| annotator | decided votes | against consensus | p-value | action |", "|---|---:|---:|---:|---|"]
        for test in tests[: max(show, sum(t.is_outlier(p) for t in tests))]:
            action = ("would flag" if dry_run else "flagged") if test.is_outlier(p) else ""
            lines.append(f"| {test.public_id} | {test.votes} | {test.underdog} | {test.pvalue:.3g} | {action} |")
        return "\n".join(lines)
