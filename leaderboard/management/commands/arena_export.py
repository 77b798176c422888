from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leaderboard import exports
from leaderboard.selectors import export_rows


class Command(BaseCommand):
    help = "Export votes as battles: the chat arena's clean-battle JSON (fastchat), JSON lines or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=exports.FORMATS, default="fastchat")
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
        parser.add_argument("--include-flagged", action="store_true", help="also export flagged votes")
        parser.add_argument("--task", default="")
        parser.add_argument("--category", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = export_rows(
            include_flagged=options["include_flagged"], task=options["task"], category=options["category"]
        )
        if options["output"]:
            with options["output"].open("w", encoding="utf-8") as out:
                exports.write(rows, options["format"], out)
        else:
            for chunk in exports.chunks(rows, options["format"]):
                self.stdout.write(chunk, ending="")
