from __future__ import annotations

from statistics import mean
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from arena.sampling import STRATEGIES
from leaderboard.simulation import TAU_TARGET, simulate


class Command(BaseCommand):
    help = "Simulate votes from a known Bradley-Terry truth through the real sampler and compare strategies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--votes", type=int, default=3000)
        parser.add_argument("--strategy", choices=[*STRATEGIES, "all"], default="all")
        parser.add_argument("--seed", type=int, default=0, help="first seed; runs use seed, seed+1, ...")
        parser.add_argument("--runs", type=int, default=10, help="simulated arenas per strategy")
        parser.add_argument("--models", type=int, default=12)
        parser.add_argument("--spread", type=float, default=400.0, help="rating points between best and worst")

    def handle(self, *args: Any, **options: Any) -> None:
        strategies = STRATEGIES if options["strategy"] == "all" else (options["strategy"],)
        seeds = range(options["seed"], options["seed"] + options["runs"])
        results = {}
        with tqdm(total=len(strategies) * len(seeds) * options["votes"], unit="vote",
                  disable=options["verbosity"] == 0) as bar:  # fmt: skip
            for strategy in strategies:
                results[strategy] = [
                    simulate(
                        strategy=strategy,
                        votes=options["votes"],
                        seed=seed,
                        n_models=options["models"],
                        spread=options["spread"],
                        on_checkpoint=lambda k: bar.update(100),
                    )  # fmt: skip
                    for seed in seeds
                ]
        self.stdout.write(self.table(results, options["votes"]))

    def table(self, results: dict[str, list[Any]], votes: int) -> str:
        lines = [
            f"| strategy | votes to Kendall tau >= {TAU_TARGET} (mean of runs) | runs reaching it | "
            f"final tau | mean 95% CI width at {votes} votes |",
            "|---|---:|---:|---:|---:|",
        ]
        baseline = None
        for strategy, runs in results.items():
            # A run that never reached the target counts as needing every vote it had.
            needed = mean(r.votes_to_target or votes for r in runs)
            baseline = baseline or (needed if strategy == "uniform" else None)
            saving = f" ({1 - needed / baseline:.0%} fewer than uniform)" if baseline and strategy != "uniform" else ""
            reached = sum(r.votes_to_target is not None for r in runs)
            lines.append(
                f"| {strategy} | {needed:.0f}{saving} | {reached}/{len(runs)} | "
                f"{mean(r.final_tau for r in runs):.3f} | {mean(r.mean_ci_width for r in runs):.1f} |"
            )
        return "\n".join(lines) + "\n"
