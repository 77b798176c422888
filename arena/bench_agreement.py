"""The agreement panel's cost: ``python -m arena.bench_agreement`` (``make bench-agreement``).

Builds a throwaway study in a temporary SQLite database (or ``--database-url``, a PostgreSQL
database that is emptied first): 20 prompts, 12 models, ``--participants 300`` participants
answering ``--votes 30`` pairs each, a tenth of them repeats of an earlier pair with the sides
swapped; and as many votes again in the public arena. Then it times, median of ``--runs 5``:

1. reading the study's votes into a table (``agreement_selectors.vote_table``);
2. the figures from the table (``arena.agreement.agreement``, 2,000 bootstrap rounds for kappa and alpha);
3. the whole staff dashboard request (the study's other figures, the panel, the template);
4. the public arena's panel, uncached.

Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

N_PROMPTS = 20
N_MODELS = 12
REPEAT_SHARE = 0.1


def _django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = ""
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def study_build(*, participants: int, votes: int, seed: int = 0) -> Any:
    """The synthetic study and as many public votes; returns the study."""
    from arena.models import Annotator, Asset, Battle, Generator, Participant, Prompt, Status, Study, Vote

    for model in (Vote, Battle, Participant, Study, Asset, Prompt, Generator, Annotator):
        model.objects.all().delete()
    rng = random.Random(seed)
    generators = Generator.objects.bulk_create([Generator(name=f"model-{k:02d}") for k in range(N_MODELS)])
    prompts = Prompt.objects.bulk_create([Prompt(slug=f"prompt-{k:02d}", text="x") for k in range(N_PROMPTS)])
    assets = Asset.objects.bulk_create(
        [Asset(prompt=p, generator=g, status=Status.OK) for p in prompts for g in generators]
    )
    by_prompt: dict[int, list[Any]] = {}
    for asset in assets:
        by_prompt.setdefault(asset.prompt_id, []).append(asset)
    study = Study.objects.create(
        slug="bench", title="Bench", quota=votes, repeat_rate=REPEAT_SHARE, completion_code="X"
    )
    study.prompts.set(prompts)
    annotators = Annotator.objects.bulk_create([Annotator() for _ in range(2 * participants)])
    people = Participant.objects.bulk_create(
        [Participant(study=study, annotator=a, platform="prolific", id_hash=f"{k:064x}")
         for k, a in enumerate(annotators[:participants])]
    )  # fmt: skip
    fresh: list[Battle] = []
    repeats: list[tuple[Battle, int]] = []  # (battle, position of its original in `fresh`)
    for person, annotator in [(p, p.annotator) for p in people] + [(None, a) for a in annotators[participants:]]:
        mine: list[int] = []
        for _ in range(votes):
            if person is not None and len(mine) > 2 and rng.random() < REPEAT_SHARE:
                original = fresh[mine.pop(rng.randrange(len(mine) - 2))]
                battle = Battle(prompt_id=original.prompt_id, asset_a_id=original.asset_b_id,
                                asset_b_id=original.asset_a_id, annotator=annotator, strategy="repeat",
                                study=study, participant=person)  # fmt: skip
                repeats.append((battle, fresh.index(original)))
                continue
            prompt = rng.choice(prompts)
            a, b = rng.sample(by_prompt[prompt.id], 2)
            mine.append(len(fresh))
            fresh.append(Battle(prompt=prompt, asset_a=a, asset_b=b, annotator=annotator, strategy="uniform",
                                study=study if person else None, participant=person))  # fmt: skip
    Battle.objects.bulk_create(fresh)
    for battle, position in repeats:
        battle.repeat_of = fresh[position]
    Battle.objects.bulk_create([battle for battle, _ in repeats])
    Vote.objects.bulk_create([_vote(b, rng) for b in fresh + [battle for battle, _ in repeats]])
    return study


def _vote(battle: Any, rng: random.Random) -> Any:
    from arena.models import Vote
    from arena.services import REPEAT_REASON

    winner = rng.choices(["a", "b", "tie", "both_bad"], weights=[45, 40, 10, 5])[0]
    repeat = battle.repeat_of_id is not None
    return Vote(
        battle=battle,
        winner=winner,
        prompt_id=battle.prompt_id,
        generator_a_id=battle.asset_a.generator_id,
        generator_b_id=battle.asset_b.generator_id,
        annotator=battle.annotator,
        seconds_to_vote=rng.lognormvariate(2.1, 0.5),
        flagged=repeat,
        flag_reason=REPEAT_REASON if repeat else "",
        study=battle.study,
        participant=battle.participant,
    )


def _median_ms(work: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--votes", type=int, default=30, help="votes per participant")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="a PostgreSQL database to empty and use (default: temporary SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _django_setup(args.database_url or f"sqlite:///{tmp}/agreement-bench.sqlite3")
        from django.contrib.auth import get_user_model
        from django.core.cache import cache
        from django.test import Client

        from arena.agreement import agreement
        from arena.agreement_selectors import agreement_panel, panel_votes, vote_table

        study = study_build(participants=args.participants, votes=args.votes)
        table = vote_table(panel_votes(study=study))
        staff = get_user_model().objects.create_user("bench-staff", is_staff=True)
        client = Client()
        client.force_login(staff)

        def dashboard() -> None:
            assert client.get("/study/bench/dashboard/").status_code == 200

        def public() -> None:
            cache.clear()
            agreement_panel()

        rows = [
            (
                "read the study's votes into a table",
                _median_ms(lambda: vote_table(panel_votes(study=study)), args.runs),
            ),
            ("figures from the table", _median_ms(lambda: agreement(table), args.runs)),
            ("whole dashboard request (staff)", _median_ms(dashboard, args.runs)),
            ("public arena's panel, uncached", _median_ms(public, args.runs)),
        ]
        engine = "PostgreSQL" if args.database_url else "SQLite"
        print(f"{args.participants} participants × {args.votes} votes ({len(table)} in the table, "
              f"{int((table.repeat_of >= 0).sum())} repeats) and as many public votes; {engine}; "
              f"median of {args.runs} runs; Python {platform.python_version()}, load average "
              f"{os.getloadavg()[0]:.2f}.\n")  # fmt: skip
        print("| step | ms |\n|---|---:|")
        for name, ms in rows:
            print(f"| {name} | {ms:.0f} |")


if __name__ == "__main__":
    main()
