from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import signing

from arena.models import Annotator, Battle, Vote
from arena.services import TOKEN_SALT, ArenaError, battle_create, battle_token, vote_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):
    settings.ARENA_MIN_VOTE_SECONDS = 0


@pytest.fixture
def battle(cast, annotator) -> Battle:
    return battle_create(annotator=annotator)


def vote(battle: Battle, annotator: Annotator, winner: str = "a", token: str | None = None) -> Vote:
    return vote_record(token=token or battle_token(battle=battle), annotator=annotator, winner=winner)


def test_it_records_a_vote_with_the_generators_of_each_side(battle, annotator):
    recorded = vote(battle, annotator, "b")
    assert recorded.generator_a_id == battle.asset_a.generator_id
    assert recorded.generator_b_id == battle.asset_b.generator_id
    assert recorded.winner == "b" and not recorded.flagged
    battle.refresh_from_db()
    assert battle.revealed_at is not None


@pytest.mark.parametrize("winner", ["a", "b", "tie", "both_bad"])
def test_it_accepts_the_four_choices(battle, annotator, winner):
    assert vote(battle, annotator, winner).winner == winner


def test_it_refuses_an_unknown_choice(battle, annotator):
    with pytest.raises(ArenaError, match="Unknown choice"):
        vote(battle, annotator, "c")
    assert Vote.objects.count() == 0


def test_it_refuses_a_second_vote(battle, annotator):
    vote(battle, annotator, "a")
    with pytest.raises(ArenaError, match="already been voted") as refused:
        vote(battle, annotator, "b")
    assert refused.value.status == 409
    assert list(Vote.objects.values_list("winner", flat=True)) == ["a"]


def test_it_answers_a_retry_of_the_same_vote_with_the_stored_vote(battle, annotator):
    first = vote(battle, annotator, "tie")
    revealed_at = Battle.objects.get(id=battle.id).revealed_at
    retry = vote(battle, annotator, "tie")
    assert retry.id == first.id and retry.duplicate and not first.duplicate
    assert list(Vote.objects.values_list("winner", flat=True)) == ["tie"]
    assert Battle.objects.get(id=battle.id).revealed_at == revealed_at


def test_a_retry_does_not_tell_the_pages_or_the_leaderboard_again(
    battle, annotator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first:
        vote(battle, annotator, "a")
    with django_capture_on_commit_callbacks() as retry:
        vote(battle, annotator, "a")
    assert len(first) == 1 and retry == []


def test_it_answers_a_retry_even_at_the_hourly_vote_limit(cast, annotator, settings):
    settings.ARENA_VOTES_PER_HOUR = 1
    battle = battle_create(annotator=annotator)
    vote(battle, annotator, "b")
    assert vote(battle, annotator, "b").duplicate
    with pytest.raises(ArenaError, match="hourly vote limit"):
        vote(battle_create(annotator=annotator), annotator, "b")


def test_it_refuses_someone_elses_retry_of_a_voted_battle(battle, annotator):
    vote(battle, annotator, "a")
    with pytest.raises(ArenaError, match="someone else") as refused:
        vote_record(token=battle_token(battle=battle), annotator=Annotator.objects.create(), winner="a")
    assert refused.value.status == 403
    assert Vote.objects.count() == 1


def test_the_vote_view_flags_a_retry_as_a_duplicate(client, cast):
    def post(url: str, body: dict) -> tuple[int, dict]:
        response = client.post(url, json.dumps(body), content_type="application/json")
        return response.status_code, response.json()

    _, served = post("/arena/api/battles/", {})
    first = post("/arena/api/vote/", {"token": served["token"], "winner": "a"})
    retry = post("/arena/api/vote/", {"token": served["token"], "winner": "a"})
    changed = post("/arena/api/vote/", {"token": served["token"], "winner": "b"})
    assert first[0] == 200 and first[1]["duplicate"] is False
    assert retry[0] == 200 and retry[1]["duplicate"] is True
    assert retry[1]["reveal"] == first[1]["reveal"] and retry[1]["counted"] == first[1]["counted"]
    assert changed[0] == 409 and "already been voted" in changed[1]["error"]
    assert Vote.objects.count() == 1


def test_it_refuses_a_vote_on_someone_elses_battle(battle):
    with pytest.raises(ArenaError, match="someone else") as refused:
        vote(battle, Annotator.objects.create())
    assert refused.value.status == 403
    assert Vote.objects.count() == 0


def test_it_refuses_a_forged_token(battle, annotator):
    forged = signing.dumps({"b": battle.public_id, "n": annotator.public_id}, key="not-the-secret", salt=TOKEN_SALT)
    with pytest.raises(ArenaError, match="not valid"):
        vote(battle, annotator, token=forged)
    with pytest.raises(ArenaError, match="not valid"):
        vote(battle, annotator, token=battle_token(battle=battle)[:-2] + "xx")
    assert Vote.objects.count() == 0


def test_it_refuses_an_expired_token(battle, annotator, settings):
    token = battle_token(battle=battle)
    settings.ARENA_BATTLE_TOKEN_MAX_AGE = -1
    with pytest.raises(ArenaError, match="expired") as refused:
        vote(battle, annotator, token=token)
    assert refused.value.status == 410


def test_it_refuses_a_vote_after_the_reveal(battle, annotator):
    from django.utils import timezone

    Battle.objects.filter(id=battle.id).update(revealed_at=timezone.now())
    with pytest.raises(ArenaError, match="already been voted"):
        vote(battle, annotator)
    assert Vote.objects.count() == 0


def test_it_keeps_but_does_not_count_a_vote_cast_too_fast(battle, annotator, settings):
    settings.ARENA_MIN_VOTE_SECONDS = 60
    recorded = vote(battle, annotator)
    assert recorded.flagged and "minimum" in recorded.flag_reason


def test_it_counts_a_vote_cast_after_the_minimum_time(battle, annotator, settings):
    settings.ARENA_MIN_VOTE_SECONDS = 5
    Battle.objects.filter(id=battle.id).update(created_at=battle.created_at - timedelta(seconds=10))
    recorded = vote(battle, annotator)
    assert not recorded.flagged and recorded.seconds_to_vote >= 10


def test_it_enforces_the_hourly_vote_limit(cast, annotator, settings):
    settings.ARENA_VOTES_PER_HOUR = 2
    battles = [battle_create(annotator=annotator) for _ in range(3)]
    vote(battles[0], annotator)
    vote(battles[1], annotator)
    with pytest.raises(ArenaError, match="hourly vote limit") as refused:
        vote(battles[2], annotator)
    assert refused.value.status == 429
    assert Vote.objects.count() == 2


def test_it_enforces_the_per_ip_limit_across_annotators(cast, settings):
    settings.ARENA_VOTES_PER_HOUR_PER_IP = 1
    first, second = Annotator.objects.create(), Annotator.objects.create()
    b1 = battle_create(annotator=first, ip="10.1.2.3")
    b2 = battle_create(annotator=second, ip="10.1.2.3")
    vote_record(token=battle_token(battle=b1), annotator=first, winner="a", ip="10.1.2.3")
    with pytest.raises(ArenaError, match="this network"):
        vote_record(token=battle_token(battle=b2), annotator=second, winner="a", ip="10.1.2.3")


def test_votes_older_than_an_hour_leave_both_limits(cast, annotator, settings):
    settings.ARENA_VOTES_PER_HOUR = settings.ARENA_VOTES_PER_HOUR_PER_IP = 1
    first = battle_create(annotator=annotator, ip="10.1.2.3")
    vote_record(token=battle_token(battle=first), annotator=annotator, winner="a", ip="10.1.2.3")
    second = battle_create(annotator=annotator, ip="10.1.2.3")
    with pytest.raises(ArenaError, match="hourly vote limit"):
        vote_record(token=battle_token(battle=second), annotator=annotator, winner="a", ip="10.1.2.3")
    Battle.objects.filter(id=first.id).update(revealed_at=first.created_at - timedelta(minutes=61))
    assert vote_record(token=battle_token(battle=second), annotator=annotator, winner="b", ip="10.1.2.3").winner == "b"


def test_it_flags_an_annotator_who_fails_gold_pairs(cast, annotator, settings):
    from tests.arena.conftest import make_asset

    settings.ARENA_GOLD_RATE = 1.0
    for prompt in cast.prompts:
        make_asset(prompt, None, triangles=5000)
    for _ in range(3):
        battle = battle_create(annotator=annotator)
        assert battle.is_gold
        wrong = "b" if battle.gold_answer == "a" else "a"
        vote(battle, annotator, wrong)
    annotator.refresh_from_db()
    assert annotator.flagged and "gold" in annotator.flag_reason


def test_it_records_interaction_and_time(battle, annotator):
    recorded = vote_record(
        token=battle_token(battle=battle), annotator=annotator, winner="tie", interacted_a=True, interacted_b=False
    )
    assert recorded.interacted_a and not recorded.interacted_b and recorded.seconds_to_vote >= 0


@pytest.mark.django_db(transaction=True)
def test_it_writes_a_vote_only_inside_a_transaction_the_caller_holds(cast, annotator):
    from arena.services import vote_write

    battle = battle_create(annotator=annotator)
    with pytest.raises(RuntimeError, match="needs a transaction"):
        vote_write(token=battle_token(battle=battle), annotator=annotator, winner="a")
    assert Vote.objects.count() == 0


def test_it_answers_a_retry_on_a_revealed_battle_as_the_vote_already_taken(battle, annotator):
    first = vote(battle, annotator, "tie")
    again = vote(battle, annotator, "tie")
    assert again.duplicate and again.id == first.id and Vote.objects.count() == 1
    with pytest.raises(ArenaError) as refused:
        vote(battle, annotator, "a")
    assert refused.value.status == 409
