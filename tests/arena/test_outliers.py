"""The anomalous-annotator test on stored votes (leaderboard/outliers.py) and `manage.py arena_quality`."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from arena.models import Annotator, Asset, Battle, Vote
from arena.services import annotator_reinstate
from leaderboard.outliers import consensus_ratings, outlier_tests, outliers_flag, prob_chosen
from leaderboard.selectors import rated_votes

pytestmark = pytest.mark.django_db

# The truth honest annotators vote by: 400 rating points between neighbours,
# so the stronger of two wins about 91% of the time (99% across two steps).
TRUTH = {"Zephyr-Secret-9": 1400.0, "Quill-Hidden-7": 1000.0, "Nimbus-Covert-3": 600.0}
VOTES_EACH = 30


def chair_pairs(cast) -> list[tuple[Asset, Asset]]:
    """The three pairs of the chair prompt, where every generator has an asset."""
    chair = [a for a in cast.assets if a.prompt.slug == "chair"]
    return [(x, y) for i, x in enumerate(chair) for y in chair[i + 1 :]]


def record(annotator: Annotator, asset_a: Asset, asset_b: Asset, winner: str, **extra) -> Vote:
    """A battle and its vote, stored directly: these tests are about the votes, not the serving."""
    battle = Battle.objects.create(
        prompt=asset_a.prompt, asset_a=asset_a, asset_b=asset_b, annotator=annotator, strategy="test",
        revealed_at=timezone.now(),
    )  # fmt: skip
    return Vote.objects.create(
        battle=battle, winner=winner, prompt=asset_a.prompt, generator_a=asset_a.generator,
        generator_b=asset_b.generator, annotator=annotator, seconds_to_vote=5.0, **extra,
    )  # fmt: skip


def vote_like(annotator: Annotator, cast, pick, *, n: int = VOTES_EACH, seed: int = 0) -> None:
    """``n`` votes on random chair pairs, sides shuffled; ``pick(strong, weak, rng)`` names the winner asset."""
    rng = random.Random(seed)
    pairs = chair_pairs(cast)
    for _ in range(n):
        first, second = rng.sample(rng.choice(pairs), 2)
        strong, weak = sorted((first, second), key=lambda a: -TRUTH[a.generator.name])
        chosen = pick(strong, weak, rng)
        record(annotator, first, second, "a" if chosen == first else "b")


def honest(strong: Asset, weak: Asset, rng: random.Random) -> Asset:
    p_strong = 1 / (1 + 10 ** ((TRUTH[weak.generator.name] - TRUTH[strong.generator.name]) / 400))
    return strong if rng.random() < p_strong else weak


def contrarian(strong: Asset, weak: Asset, rng: random.Random) -> Asset:
    return weak


@pytest.fixture
def crowd(cast) -> list[Annotator]:
    """Eight honest annotators voting by the truth."""
    people = [Annotator.objects.create() for _ in range(8)]
    for k, person in enumerate(people):
        vote_like(person, cast, honest, seed=k)
    return people


@pytest.fixture
def spoiler(cast) -> Annotator:
    """Always picks the weaker model."""
    person = Annotator.objects.create()
    vote_like(person, cast, contrarian, seed=100)
    return person


def result_of(annotator: Annotator, **options):
    return next(t for t in outlier_tests(**options) if t.annotator_id == annotator.id)


def test_it_gives_the_chosen_side_its_bradley_terry_probability():
    ratings = {1: 1400.0, 2: 1000.0}
    assert prob_chosen(ratings, 1, 2, "a") == pytest.approx(1 / 1.1)
    assert prob_chosen(ratings, 1, 2, "b") == pytest.approx(1 - 1 / 1.1)
    assert prob_chosen(ratings, 1, 3, "a") is None


def test_it_fits_the_consensus_the_honest_annotators_agree_on(cast, crowd):
    counts = Counter(Vote.objects.values_list("generator_a_id", "generator_b_id", "winner"))
    ratings = consensus_ratings(counts)
    names = {g.id: g.name for g in cast.generators}
    assert [names[g] for g in sorted(ratings, key=ratings.__getitem__, reverse=True)] == list(TRUTH)


def test_it_has_no_consensus_without_votes():
    assert consensus_ratings(Counter()) == {}


def test_it_finds_an_annotator_who_always_picks_the_weaker_model(crowd, spoiler, settings):
    result = result_of(spoiler)
    assert result.votes == VOTES_EACH and result.underdog == VOTES_EACH
    assert result.pvalue < settings.ARENA_OUTLIER_P


def test_it_leaves_honest_annotators_alone(crowd, spoiler, settings):
    assert all(result_of(person).pvalue > 0.05 for person in crowd)


def test_it_flags_only_the_outlier_with_the_p_value_as_reason(crowd, spoiler, settings):
    flagged = outliers_flag(tests=outlier_tests(), p=settings.ARENA_OUTLIER_P)
    assert [t.annotator_id for t in flagged] == [spoiler.id]
    spoiler.refresh_from_db()
    assert spoiler.flagged and spoiler.flag_reason.startswith("outlier test p = ")
    assert not Annotator.objects.filter(id__in=[a.id for a in crowd], flagged=True).exists()


def test_it_leaves_flagged_votes_out_of_the_ratings(crowd, spoiler, settings):
    outliers_flag(tests=outlier_tests(), p=settings.ARENA_OUTLIER_P)
    assert not rated_votes().filter(annotator=spoiler).exists()
    assert rated_votes().count() == len(crowd) * VOTES_EACH


def test_reinstating_brings_the_votes_back(crowd, spoiler, settings):
    outliers_flag(tests=outlier_tests(), p=settings.ARENA_OUTLIER_P)
    annotator_reinstate(annotator=spoiler)
    assert rated_votes().filter(annotator=spoiler).count() == VOTES_EACH


def test_it_does_not_test_an_annotator_already_flagged(crowd, spoiler, settings):
    outliers_flag(tests=outlier_tests(), p=settings.ARENA_OUTLIER_P)
    assert spoiler.id not in [t.annotator_id for t in outlier_tests()]


def test_it_skips_annotators_with_too_few_decided_votes(cast, crowd):
    newcomer = Annotator.objects.create()
    vote_like(newcomer, cast, contrarian, n=5)
    for asset_a, asset_b in chair_pairs(cast) * 10:
        record(newcomer, asset_a, asset_b, "tie")
    assert newcomer.id not in [t.annotator_id for t in outlier_tests(min_votes=20)]
    assert newcomer.id in [t.annotator_id for t in outlier_tests(min_votes=5)]


def test_it_tests_each_annotator_against_everyone_elses_votes(cast, crowd):
    """A prolific contrarian would drag a shared consensus towards themselves."""
    prolific = Annotator.objects.create()
    vote_like(prolific, cast, contrarian, n=400, seed=5)
    alone = result_of(prolific, leave_one_out=True).pvalue
    shared = result_of(prolific, leave_one_out=False).pvalue
    assert alone < 1e-12 < shared


def test_it_builds_the_consensus_from_counted_votes_only(cast, crowd):
    """Votes already flagged and gold pairs do not shape the consensus an annotator is tested against."""
    person = crowd[0]
    before = result_of(person).pvalue
    junk = Annotator.objects.create(flagged=True, flag_reason="bot")
    for asset_a, asset_b in chair_pairs(cast) * 100:
        upset = "b" if TRUTH[asset_a.generator.name] > TRUTH[asset_b.generator.name] else "a"
        record(junk, asset_a, asset_b, upset, flagged=True, flag_reason="annotator: bot")
        record(junk, asset_a, asset_b, upset, is_gold=True, flagged=True, flag_reason="gold pair")
    assert result_of(person).pvalue == pytest.approx(before)


def test_the_command_reports_without_flagging_on_a_dry_run(crowd, spoiler):
    out = io.StringIO()
    call_command("arena_quality", "--dry-run", stdout=out, verbosity=0)
    assert f"| {spoiler.public_id} | {VOTES_EACH} | {VOTES_EACH} |" in out.getvalue()
    assert "would flag 1 at p < 0.001" in out.getvalue()
    assert not Annotator.objects.filter(flagged=True).exists()


def test_the_command_flags_the_outliers(crowd, spoiler):
    out = io.StringIO()
    call_command("arena_quality", "--p", "0.001", "--min-votes", "10", stdout=out, verbosity=0)
    assert "flagged 1 at p < 0.001" in out.getvalue()
    assert list(Annotator.objects.filter(flagged=True)) == [spoiler]
    assert Vote.objects.filter(annotator=spoiler, flagged=False).count() == 0
