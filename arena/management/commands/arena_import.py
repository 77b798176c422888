from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from arena.importers import BadRecord, detect_layout
from arena.services import run_import


class Command(BaseCommand):
    help = "Import a run: the project's manifest (prompts.jsonl, outputs.jsonl) or the benchmark release layout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--render", action="store_true", help="render what was imported right away")
        parser.add_argument(
            "--families",
            type=Path,
            help="category -> family mapping (JSON object or CSV 'category,family') over the shipped one",
        )

    def handle(self, *args: Any, path: Path, render: bool, families: Path | None, **options: Any) -> None:
        if not path.is_dir():
            raise CommandError(f"{path}: not a folder")
        try:
            layout = detect_layout(path.resolve())
        except BadRecord as exc:
            raise CommandError(str(exc)) from None
        if families is not None and not families.is_file():
            raise CommandError(f"{families}: no such families file")
        self.stdout.write(f"Importing {path} ({layout} layout)")
        with tqdm(desc="records", unit="rec", disable=options["verbosity"] == 0) as bar:
            try:
                report = run_import(path=path, on_record=lambda record: bar.update(), families=families)
            except BadRecord as exc:  # the families file
                raise CommandError(str(exc)) from None
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        if report.unmapped:
            names = ", ".join(sorted(report.unmapped))
            message = f"warning: no family for {len(report.unmapped)} category(ies): {names}"
            self.stdout.write(self.style.WARNING(message))
        for error in report.errors:
            self.stderr.write(self.style.ERROR(f"error: {error}"))
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.errors)} error(s); {len(report.new_assets)} asset(s) to render"
        )
        if not report.created and not report.updated and not report.errors:
            self.stdout.write("Nothing changed: everything was already imported.")
        if render and report.new_assets:
            from django.core.management import call_command

            call_command("arena_render", verbosity=options["verbosity"])
        if report.errors:
            raise CommandError(f"{len(report.errors)} record(s) were not imported (see above)")
