"""The refresh after a vote on a release-sized arena: ``python -m leaderboard.bench --refresh``.

Builds a throwaway arena in a temporary SQLite database (or ``--database-url``, a
PostgreSQL database that is emptied first): 212 categories spread over the three
families, 12 models, both tasks, one prompt per category and task, every model's
asset on every prompt, and 3,000 votes drawn from a Bradley–Terry truth. Then it
times :func:`leaderboard.services.snapshots_refresh`, CPU time of the process
(``time.process_time``, every thread) and wall time:

1. the first refresh (every board is new);
2. a refresh after one more vote (only the boards that vote is on change);
3. a refresh with no new vote.

In the same run, inside a transaction that is rolled back, it times the scheme the
refresh replaced: every category a board (per task too), one query per board, every
board refitted. The correlation report that new snapshots schedule is a separate
job and is not timed (it is disconnected here). Prints a markdown table.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any

N_CATEGORIES = 212
N_MODELS = 12
N_VOTES = 3000


def _django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = ""
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def arena_build(*, seed: int = 0) -> dict[str, Any]:
    """The synthetic arena; returns what the one extra vote needs."""
    from arena.models import (
        Annotator,
        Asset,
        Battle,
        Family,
        GenerationAttempt,
        Generator,
        Prompt,
        Setting,
        Status,
        Task,
        Vote,
    )

    for model in (Vote, Battle, Asset, Prompt, Generator, Annotator):
        model.objects.all().delete()
    rng = random.Random(seed)
    families = list(Family.values)
    generators = Generator.objects.bulk_create([Generator(name=f"model-{k:02d}") for k in range(N_MODELS)])
    strength = {g.id: rng.gauss(0.0, 0.6) for g in generators}
    prompts = Prompt.objects.bulk_create(
        [
            Prompt(slug=f"cat{c:03d}-{task}", task=task, category=f"Category{c:03d}", family=families[c % 3], text="x")
            for c in range(N_CATEGORIES)
            for task in Task.values
        ]
    )
    # Each model's runs as in a release: text-to-3D, and image-to-3D from 1 and from 4 views; an image
    # prompt gets one of the two image runs (a separate generator: the votes stay those of earlier runs).
    kinds = ((Task.TEXT, None, ""), (Task.IMAGE, 1, "_image_to_3d_1"), (Task.IMAGE, 4, "_image_to_3d_4"))
    runs = {
        (g.id, task, views): Setting(generator=g, name=f"{g.name}{suffix}", task=task, label=f"{task} {views or ''}",
                                     values={"views": views, "multi_turn": False, "thinking": "medium"})
        for g in generators
        for task, views, suffix in kinds
    }  # fmt: skip
    Setting.objects.bulk_create(runs.values())
    draw = random.Random(seed + 1)

    def run(prompt: Any, generator: Any) -> Any:
        return runs[(generator.id, prompt.task, None if prompt.task == Task.TEXT else draw.choice((1, 4)))]

    assets = Asset.objects.bulk_create(
        [
            Asset(prompt=p, generator=g, setting=run(p, g), status=Status.OK if rng.random() < 0.8 else Status.ERR_EXEC)
            for p in prompts
            for g in generators
        ]
    )
    errors = ["NameError: name 'bmesh' is not defined (line {})", "KeyError: 'Cube' (line {})", "no mesh"]
    attempts = []
    for asset in assets[::3]:  # a third ran multi-turn: 1 to 4 attempts, the last passing when the asset is OK
        n = rng.randint(1, 4)
        for k in range(n):
            passed = k == n - 1 and asset.status == Status.OK
            error = "" if passed else rng.choice(errors).format(rng.randint(1, 300))
            attempts.append(
                GenerationAttempt(asset=asset, number=k, status="OK" if passed else "ERR_EXEC", error=error)
            )
    GenerationAttempt.objects.bulk_create(attempts)
    by_prompt: dict[int, list[Asset]] = {}
    for asset in assets:
        by_prompt.setdefault(asset.prompt_id, []).append(asset)
    annotators = Annotator.objects.bulk_create([Annotator() for _ in range(60)])
    pairs = []
    for _ in range(N_VOTES):
        prompt = rng.choice(prompts)
        a, b = rng.sample(by_prompt[prompt.id], 2)
        pairs.append((prompt, a, b, rng.choice(annotators)))
    battles = Battle.objects.bulk_create(
        [Battle(prompt=p, asset_a=a, asset_b=b, annotator=who, strategy="uniform") for p, a, b, who in pairs]
    )
    Vote.objects.bulk_create([_vote(battle, strength, rng) for battle in battles])
    return {"prompts": prompts, "by_prompt": by_prompt, "annotator": annotators[0], "strength": strength, "rng": rng}


def _vote(battle: Any, strength: dict[int, float], rng: random.Random) -> Any:
    from arena.models import Vote

    ga, gb = battle.asset_a.generator_id, battle.asset_b.generator_id
    r = rng.random()
    p_a = 1.0 / (1.0 + pow(2.718281828, strength[gb] - strength[ga]))
    winner = "tie" if r < 0.08 else "both_bad" if r < 0.12 else "a" if rng.random() < p_a else "b"
    return Vote(
        battle=battle,
        winner=winner,
        prompt_id=battle.prompt_id,
        generator_a_id=ga,
        generator_b_id=gb,
        annotator=battle.annotator,
        seconds_to_vote=5.0,
    )


def one_vote_add(arena: dict[str, Any]) -> None:
    from arena.models import Battle

    rng = arena["rng"]
    prompt = rng.choice(arena["prompts"])
    a, b = rng.sample(arena["by_prompt"][prompt.id], 2)
    battle = Battle.objects.create(prompt=prompt, asset_a=a, asset_b=b, annotator=arena["annotator"], strategy="x")
    _vote(battle, arena["strength"], rng).save()


def timed(run: Callable[[], Any]) -> tuple[Any, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = run()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def old_scheme() -> int:
    """Every category a board (per task too), one query per board, every board refitted."""
    from django.conf import settings

    from leaderboard.selectors import board_scopes
    from leaderboard.services import snapshot_compute

    settings.LEADERBOARD_CATEGORY_MIN_VOTES = 1
    scopes = [(task, category) for task, family, category in board_scopes() if not family]
    for task, category in scopes:
        snapshot_compute(task=task, category=category)
    return len(scopes)


def main(database_url: str = "", seed: int = 0) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        _django_setup(database_url or f"sqlite:///{tmp}/refresh-bench.sqlite3")
        from django.conf import settings
        from django.db import connection, transaction

        from arena.models import GenerationAttempt, Setting, Task
        from leaderboard.models import Snapshot
        from leaderboard.services import snapshots_refresh, variant_boards_compute
        from leaderboard.signals import snapshots_stored
        from renderer.selectors import model_executability

        # The correlation report a new snapshot schedules is a job of its own (a Celery task, or a
        # timer thread here): left connected, its thread would run inside the timings.
        snapshots_stored.disconnect(dispatch_uid="leaderboard-correlation")
        Snapshot.objects.all().delete()
        arena = arena_build(seed=seed)
        threshold = settings.LEADERBOARD_CATEGORY_MIN_VOTES
        first, cpu1, wall1 = timed(snapshots_refresh)
        one_vote_add(arena)
        second, cpu2, wall2 = timed(snapshots_refresh)
        third, cpu3, wall3 = timed(snapshots_refresh)
        _, cpu_panel, wall_panel = timed(model_executability)
        variant_costs = {task: timed(partial(variant_boards_compute, [(task, "", "")]))[1:] for task in Task.values}
        n_settings = {task: Setting.objects.filter(task=task).count() for task in Task.values}
        n_attempts = GenerationAttempt.objects.count()
        with transaction.atomic():
            Snapshot.objects.all().delete()
            n_old, cpu_old, wall_old = timed(old_scheme)
            transaction.set_rollback(True)
        settings.LEADERBOARD_CATEGORY_MIN_VOTES = threshold
        vendor = connection.vendor

    import numpy as np

    print("# Refresh after a vote on a release-sized arena\n")
    print(
        f"{N_CATEGORIES} categories over 3 families, {N_MODELS} models, 2 tasks, {N_VOTES:,} votes "
        f"(about {N_VOTES // (2 * N_CATEGORIES)} per category and task); {settings.LEADERBOARD_BOOTSTRAP} bootstrap "
        f"rounds per board; per-category boards from {threshold} votes; database {vendor}; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}.\n"
    )
    print("| refresh | boards refitted | CPU seconds | wall seconds |")
    print("|---|---:|---:|---:|")
    print(f"| first refresh (every board new) | {len(first)} | {cpu1:.2f} | {wall1:.2f} |")
    print(f"| **after one more vote** | **{len(second)}** | **{cpu2:.2f}** | **{wall2:.2f}** |")
    print(f"| no new vote | {len(third)} | {cpu3:.2f} | {wall3:.2f} |")
    print(
        f"| comparison: every category a board, one query per board, all refitted | {n_old} | "
        f"{cpu_old:.2f} | {wall_old:.2f} |"
    )
    print(
        f"\nThe executability panel of the board and the gallery (`model_executability`, all "
        f"{N_CATEGORIES * 2 * N_MODELS:,} assets, {n_attempts:,} attempt records), computed per page view: "
        f"{cpu_panel:.2f} s CPU, {wall_panel:.2f} s wall."
    )
    costs = "; ".join(
        f"{task} ({n_settings[task]} settings) {cpu:.2f} s CPU, {wall:.2f} s wall"
        for task, (cpu, wall) in variant_costs.items()
    )
    print(
        f"\nIncluded in the refreshes above, the variant board of each task (settings as players, "
        f"{settings.LEADERBOARD_BOOTSTRAP} bootstrap rounds, one task's per vote): {costs}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
