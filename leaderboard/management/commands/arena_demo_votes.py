from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from arena.models import Annotator, Battle, Vote
from arena.services import ArenaError, battle_create, battle_token, vote_record
from arena.signals import votes_changed
from leaderboard import tasks
from leaderboard.apps import REFRESH_UID
from leaderboard.services import snapshots_refresh

DEFAULT_RATING = 1000.0


class Command(BaseCommand):
    help = (
        "Demo only: cast simulated votes through the real arena services, drawn from a known "
        "Bradley-Terry truth (each generator's metadata 'simulated_rating'), so the leaderboard "
        "and the correlation page have something to show."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--votes", type=int, default=300)
        parser.add_argument("--annotators", type=int, default=12)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when votes exist already")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Vote.objects.exists():
            self.stdout.write("Votes exist already: no simulated votes added.")
            return
        # One refresh at the end instead of debounced ones while the votes are cast.
        votes_changed.disconnect(dispatch_uid=REFRESH_UID)
        try:
            cast = self.cast(options)
        finally:
            votes_changed.connect(tasks.refresh_request, dispatch_uid=REFRESH_UID)
        if cast == 0:
            raise CommandError("no pair could be served: render the assets first (python manage.py arena_render)")
        snapshots_refresh()
        self.stdout.write(f"Cast {cast} simulated vote(s); leaderboards recomputed.")

    def cast(self, options: dict[str, Any]) -> int:
        rng = random.Random(options["seed"])
        annotators = [Annotator.objects.create() for _ in range(options["annotators"])]
        cast = 0
        for _ in tqdm(range(options["votes"]), desc="simulated votes", disable=options["verbosity"] == 0):
            annotator = rng.choice(annotators)
            try:
                battle = battle_create(annotator=annotator, rng=rng)
            except ArenaError:
                continue  # this annotator has seen every pair
            # A plausible time to look at both models, so the vote counts.
            Battle.objects.filter(id=battle.id).update(
                created_at=battle.created_at - timedelta(seconds=rng.uniform(5, 40))
            )
            vote_record(token=battle_token(battle=battle), annotator=annotator, winner=self.choose(battle, rng))
            cast += 1
        return cast

    def choose(self, battle: Battle, rng: random.Random) -> str:
        rating_a, rating_b = (self.rating(asset) for asset in (battle.asset_a, battle.asset_b))
        if rng.random() < 0.1:
            return "tie" if max(rating_a, rating_b) > DEFAULT_RATING else "both_bad"
        p_a = 1.0 / (1.0 + 10 ** ((rating_b - rating_a) / 400.0))
        return "a" if rng.random() < p_a else "b"

    @staticmethod
    def rating(asset: Any) -> float:
        metadata = asset.generator.metadata if asset.generator else {}
        return float(metadata.get("simulated_rating", DEFAULT_RATING))
