"""Votes for leaderboard tests, made through the real arena models."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from arena.models import Annotator, Asset, Battle, Generator, Prompt, Status, Vote


def make_votes(outcomes: list[tuple[str, str, str]], *, task: str = "text-to-3d", category: str = "organic") -> None:
    """Create one battle and vote per (generator_a, generator_b, winner)."""
    prompt, _ = Prompt.objects.get_or_create(
        slug=f"p-{task}-{category}", defaults={"task": task, "category": category, "text": "A thing"}
    )
    annotator = Annotator.objects.create()
    for name_a, name_b, winner in outcomes:
        ga, _ = Generator.objects.get_or_create(name=name_a)
        gb, _ = Generator.objects.get_or_create(name=name_b)
        asset_a, _ = Asset.objects.get_or_create(prompt=prompt, generator=ga, defaults={"status": Status.OK})
        asset_b, _ = Asset.objects.get_or_create(prompt=prompt, generator=gb, defaults={"status": Status.OK})
        battle = Battle.objects.create(
            prompt=prompt, asset_a=asset_a, asset_b=asset_b, annotator=annotator, strategy="uniform"
        )
        Vote.objects.create(
            battle=battle,
            winner=winner,
            prompt=prompt,
            generator_a=ga,
            generator_b=gb,
            annotator=annotator,
            seconds_to_vote=5.0,
        )


def random_outcomes(n: int, seed: int = 0) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    strength = {"alpha": 2.0, "beta": 1.0, "gamma": 0.0, "delta": -0.5}
    names = list(strength)
    rows = []
    for _ in range(n):
        a, b = rng.sample(names, 2)
        p = 1 / (1 + 10 ** ((strength[b] - strength[a]) / 2))
        r = rng.random()
        rows.append((a, b, "tie" if r < 0.1 else "both_bad" if r < 0.15 else "a" if rng.random() < p else "b"))
    return rows


@pytest.fixture(autouse=True)
def _small_bootstrap(settings):
    settings.LEADERBOARD_BOOTSTRAP = 100
    settings.LEADERBOARD_CONTROL_BOOTSTRAP = 10
    # Every category with a vote has a board here; tests of the threshold set their own.
    settings.LEADERBOARD_CATEGORY_MIN_VOTES = 1


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records the errors it throws in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()
