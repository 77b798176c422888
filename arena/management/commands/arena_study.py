from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from arena import selectors
from arena.models import Study
from arena.services import ArenaError
from arena.study_services import PromptRule, criteria_help, criteria_parse, study_save

# Option -> Study field, for the options that set one field as given.
FIELDS = {
    "title": "title",
    "quota": "quota",
    "gold_rate": "gold_rate",
    "repeat_rate": "repeat_rate",
    "gate_pairs": "gate_pairs",
    "gate_pass": "gate_pass",
    "min_seconds": "min_vote_seconds",
    "completion_url": "completion_url",
    "completion_code": "completion_code",
    "screenout_url": "screenout_url",
    "screenout_code": "screenout_code",
}
OPTION_OF = {field: option for option, field in FIELDS.items()} | {
    "opens_at": "opens",
    "closes_at": "closes",
    "instructions": "instructions",
    "consent": "consent",
    "slug": "slug",
    "criteria": "criteria",
    "board_public": "board-public",
}


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [name.strip() for name in text.split(",") if name.strip()]


def _when(text: str | None, option: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--{option}: {text!r} is not an ISO date and time (2026-05-01T09:00)") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Create or update a study (docs/studies.md): its prompts, models, quota, gate, times and codes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the study's address: /study/<slug>/")
        parser.add_argument("--title")
        parser.add_argument("--instructions", type=Path, help="Markdown file shown before and beside the pairs")
        parser.add_argument("--consent", type=Path, help="Markdown file participants must accept")
        group = parser.add_argument_group("prompts (a new study needs at least one of these)")
        group.add_argument("--task", help="text-to-3d or image-to-3d")
        group.add_argument("--family", help="organic, manufactured or architectural")
        group.add_argument("--category")
        group.add_argument("--prompts", help="comma-separated prompt slugs")
        parser.add_argument("--models", help="comma-separated model names (default: every model)")
        parser.add_argument("--model-settings", help="comma-separated setting (run folder) names")
        parser.add_argument("--quota", type=int, help="pairs each participant answers in time")
        parser.add_argument("--gold-rate", type=float, help="share of gold pairs after the gate (0 to 1)")
        parser.add_argument(
            "--repeat-rate", type=float, help="share of pairs after the gate shown again later, sides swapped (0 to 1)"
        )
        parser.add_argument("--gate-pairs", type=int, help="n: the first n pairs are gold pairs")
        parser.add_argument("--gate-pass", type=int, help="k: right answers of the n needed to go on")
        parser.add_argument("--min-seconds", type=float, help="faster votes are kept but not counted")
        reveal = parser.add_mutually_exclusive_group()
        reveal.add_argument("--reveal", dest="reveal", action="store_true", default=None)
        reveal.add_argument("--no-reveal", dest="reveal", action="store_false")
        parser.add_argument("--opens", help="ISO date and time (UTC unless an offset is given)")
        parser.add_argument("--closes", help="ISO date and time")
        parser.add_argument("--completion-url", help="where participants go at the quota; {code} is replaced")
        parser.add_argument("--completion-code")
        parser.add_argument("--screenout-url", help="where a failed gate sends participants; {code} is replaced")
        parser.add_argument("--screenout-code")
        parser.add_argument(
            "--criteria",
            help='one to four "key:Label" or "key:Label:help" items, comma-separated, answered on one screen; '
            'the first is the main vote. "" for the single question',
        )
        parser.add_argument(
            "--criterion-help", action="append", default=[], metavar="KEY=TEXT", help="a criterion's help text"
        )
        board = parser.add_mutually_exclusive_group()
        board.add_argument("--board-public", dest="board_public", action="store_true", default=None,
                           help="anyone may see the study board (default: staff only)")  # fmt: skip
        board.add_argument("--no-board-public", dest="board_public", action="store_false")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        values = {field: options[option] for option, field in FIELDS.items() if options[option] is not None}
        for option in ("instructions", "consent"):
            if options[option] is not None:
                values[option] = self._read(options[option], option)
        for option, field in (("opens", "opens_at"), ("closes", "closes_at")):
            if options[option] is not None:
                values[field] = _when(options[option], option)
        if options["reveal"] is not None:
            values["reveal"] = options["reveal"]
        if options["board_public"] is not None:
            values["board_public"] = options["board_public"]
        if options["criteria"] is not None or options["criterion_help"]:
            values["criteria"] = self._criteria(options["criteria"], options["criterion_help"], slug)
        rule = None
        if any(options[o] for o in ("task", "family", "category", "prompts")):
            slugs = tuple(_names(options["prompts"]) or ())
            rule = PromptRule(options["task"] or "", options["family"] or "", options["category"] or "", slugs)
        try:
            study, created = study_save(
                slug=slug,
                values=values,
                rule=rule,
                models=_names(options["models"]),
                settings=_names(options["model_settings"]),
            )
        except ArenaError as exc:  # "prompts: ...", "models: ...", "settings: ..."
            raise CommandError(f"--{exc.message.replace('settings:', 'model-settings:', 1)}") from None
        except ValidationError as exc:
            problems = [
                f"--{OPTION_OF.get(field, field).replace('_', '-')}: {' '.join(messages)}"
                for field, messages in exc.message_dict.items()
            ]
            raise CommandError("; ".join(problems)) from None
        pool = selectors.study_assets(study).count()
        self.stdout.write(
            f"{'Created' if created else 'Updated'} study {study.slug}: {study.prompts.count()} prompt(s), "
            f"{pool} rendered output(s) in its pool; link /study/{study.slug}/"
        )
        if pool < 2:
            self.stdout.write(self.style.WARNING("warning: fewer than two rendered outputs: no pair can be served"))

    def _criteria(self, text: str | None, helps: list[str], slug: str) -> list[dict[str, str]]:
        """The criteria given (or the study's own, for help texts alone), with the help texts set."""
        if text is not None:
            criteria = criteria_parse(text)
        else:
            study = Study.objects.filter(slug=slug).first()
            criteria = [dict(criterion) for criterion in (study.criteria if study else [])]
        pairs = {}
        for item in helps:
            key, sep, help_text = item.partition("=")
            if not sep:
                raise CommandError(f"--criterion-help: {item!r} is not KEY=TEXT")
            pairs[key.strip()] = help_text
        try:
            return criteria_help(criteria, pairs)
        except ValidationError as exc:
            raise CommandError(f"--criterion-help: {' '.join(exc.message_dict['criteria'])}") from None

    def _read(self, path: Path, option: str) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"--{option}: cannot read {path} ({exc})") from None
