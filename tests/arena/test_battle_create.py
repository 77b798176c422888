from __future__ import annotations

import random

import pytest

from arena.models import Annotator, Status
from arena.services import ArenaError, battle_create

pytestmark = pytest.mark.django_db


def test_it_pairs_two_ok_assets_of_different_generators_on_the_same_prompt(cast):
    for seed in range(20):
        battle = battle_create(annotator=Annotator.objects.create(), rng=random.Random(seed))
        assert battle.asset_a.prompt_id == battle.asset_b.prompt_id == battle.prompt_id
        assert battle.asset_a.generator_id != battle.asset_b.generator_id
        assert battle.asset_a.status == battle.asset_b.status == Status.OK


def test_it_never_serves_the_same_pair_twice_to_one_annotator(cast, annotator):
    # chair: 3 ok assets -> 3 pairs; lamp: 2 ok assets -> 1 pair.
    served = [battle_create(annotator=annotator, rng=random.Random(i)) for i in range(4)]
    pairs = {frozenset((b.asset_a_id, b.asset_b_id)) for b in served}
    assert len(pairs) == 4
    with pytest.raises(ArenaError) as refused:
        battle_create(annotator=annotator)
    assert refused.value.status == 503


def test_it_serves_a_new_annotator_the_pairs_another_has_seen(cast, annotator):
    for i in range(4):
        battle_create(annotator=annotator, rng=random.Random(i))
    assert battle_create(annotator=Annotator.objects.create()).id


def test_it_randomises_the_sides(cast):
    firsts = {
        battle_create(annotator=Annotator.objects.create(), rng=random.Random(i)).asset_a.generator_id
        for i in range(30)
    }
    assert len(firsts) == 3


def test_it_refuses_with_a_clear_message_when_nothing_is_rendered(db, annotator):
    with pytest.raises(ArenaError, match="No pairs are ready"):
        battle_create(annotator=annotator)


def test_it_records_the_strategy(cast, annotator, settings):
    settings.ARENA_SAMPLER = "uniform"
    assert battle_create(annotator=annotator).strategy == "uniform"


def test_it_mixes_in_gold_pairs_at_the_configured_rate(cast, annotator, settings):
    from tests.arena.conftest import make_asset

    settings.ARENA_GOLD_RATE = 1.0
    make_asset(cast.prompts[0], None, triangles=5000)
    battle = battle_create(annotator=annotator)
    assert battle.is_gold and battle.strategy == "gold"
    reference_side = "a" if battle.asset_a.is_reference else "b"
    assert battle.gold_answer == reference_side


def test_a_gold_pair_sets_the_reference_against_a_trivial_output_only(cast, annotator):
    from arena.models import Asset
    from arena.selectors import GOLD_TRIVIAL_TRIANGLES, gold_choice
    from tests.arena.conftest import make_asset

    chair, lamp = cast.prompts
    reference = make_asset(chair, None, triangles=5000)
    make_asset(lamp, None, triangles=5000)
    # Of the chair's outputs only Zephyr's is trivial; the lamp's are all more than trivial or uncounted.
    chair_outputs = Asset.objects.filter(prompt=chair, is_reference=False).order_by("generator__name")
    counts = {"Nimbus-Covert-3": GOLD_TRIVIAL_TRIANGLES + 1, "Quill-Hidden-7": 5000,
              "Zephyr-Secret-9": GOLD_TRIVIAL_TRIANGLES}  # fmt: skip
    for asset in chair_outputs:
        asset.stats = {"triangles": counts[asset.generator.name]}
        asset.save(update_fields=["stats"])
    Asset.objects.filter(prompt=lamp, is_reference=False).update(stats={})
    weak = Asset.objects.get(prompt=chair, generator__name="Zephyr-Secret-9")
    choice = gold_choice(annotator=annotator, rng=random.Random(3))
    assert choice is not None and set(choice.assets) == {reference, weak} and choice.gold_answer
    # Once served, that pair is not offered again, and there is no other.
    battle_create(annotator=annotator, gold=True)
    assert gold_choice(annotator=annotator, rng=random.Random(3)) is None


def test_it_limits_the_pairs_one_annotator_asks_for_in_an_hour(cast, annotator, settings):
    settings.ARENA_VOTES_PER_HOUR = 1  # three pairs an hour: a few skips per vote
    for seed in range(3):
        battle_create(annotator=annotator, ip="10.1.2.3", rng=random.Random(seed))
    with pytest.raises(ArenaError, match="pairs requested in the last hour") as refused:
        battle_create(annotator=annotator, ip="10.9.9.9")
    assert refused.value.status == 429
    assert battle_create(annotator=Annotator.objects.create(), ip="10.1.2.3").id  # another person on that network


def test_it_limits_the_pairs_asked_for_from_one_network_across_annotators(cast, settings):
    settings.ARENA_VOTES_PER_HOUR_PER_IP = 1  # three pairs an hour from one network
    for _ in range(3):
        battle_create(annotator=Annotator.objects.create(), ip="10.1.2.3")
    with pytest.raises(ArenaError, match="from this network") as refused:
        battle_create(annotator=Annotator.objects.create(), ip="10.1.2.3")
    assert refused.value.status == 429
    assert battle_create(annotator=Annotator.objects.create(), ip="10.4.5.6").id  # another network
    assert battle_create(annotator=Annotator.objects.create()).id  # no address known: no network limit
