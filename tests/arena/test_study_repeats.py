"""Repeat pairs in a study: shown again later to the same participant, sides swapped, unmarked, kept off the boards."""

from __future__ import annotations

import json
import random

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from arena.models import Battle, Participant, Study, Vote
from arena.services import REPEAT_REASON, TOKEN_SALT, battle_create, battle_token
from arena.study_services import REPEAT_GAP, study_battle_create, study_check, study_vote_record
from leaderboard.selectors import rated_votes

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(cast) -> Study:
    """Both prompts (four pairs of models' outputs), every model, every pair after the first ones a repeat."""
    study = Study.objects.create(
        slug="shapes", title="Shapes", quota=8, min_vote_seconds=0, repeat_rate=1.0, completion_code="DONE"
    )
    study.prompts.set(cast.prompts)
    return study


def post(client: Client, url: str, body: dict | None = None) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json()


def arrive(client: Client, pid: str) -> Participant:
    assert client.get(f"/study/shapes/?PROLIFIC_PID={pid}").status_code == 302
    assert client.post("/study/shapes/consent/", {"accept": "yes"}).status_code == 302
    return Participant.objects.latest("started_at")


def serve(client: Client) -> tuple[dict, Battle]:
    status, payload = post(client, "/study/shapes/api/battles/")
    assert status == 200, payload
    return payload, Battle.objects.get(public_id=payload["a"]["glb"].split("/")[3])


def vote(client: Client, payload: dict, winner: str = "a") -> dict:
    status, result = post(client, "/study/shapes/api/vote/", {"token": payload["token"], "winner": winner})
    assert status == 200, result
    return result


def test_a_repeat_shows_an_earlier_pair_again_later_with_the_sides_swapped(client, study):
    participant = arrive(client, "P1")
    served = []
    for _ in range(REPEAT_GAP + 2):
        payload, battle = serve(client)
        vote(client, payload)
        served.append(battle)
    fresh, repeat = served[: REPEAT_GAP + 1], served[REPEAT_GAP + 1]
    assert all(b.repeat_of is None for b in fresh)  # nothing to repeat yet, or only the last pairs
    original = repeat.repeat_of
    assert original == fresh[0]  # the only pair not among the last REPEAT_GAP
    assert (repeat.asset_a_id, repeat.asset_b_id) == (original.asset_b_id, original.asset_a_id)
    assert repeat.prompt_id == original.prompt_id and repeat.participant == participant == original.participant
    assert repeat.strategy == "repeat" and not repeat.is_gold


def test_repeats_are_served_only_to_the_participant_who_voted_the_original(client, study):
    first = Client()
    arrive(first, "P1")
    for _ in range(3):
        vote(first, serve(first)[0])
    arrive(client, "P2")
    payload, battle = serve(client)  # P2 has voted nothing: a fresh pair, never P1's again
    assert battle.repeat_of is None
    for repeat in Battle.objects.filter(repeat_of__isnull=False):
        assert repeat.participant_id == repeat.repeat_of.participant_id
        assert repeat.annotator_id == repeat.repeat_of.annotator_id


def test_each_pair_is_repeated_at_most_once_and_repeats_are_not_repeated(client, study):
    arrive(client, "P1")
    for _ in range(7):  # the cast's four pairs, three of them shown again
        vote(client, serve(client)[0])
    repeats = Battle.objects.filter(repeat_of__isnull=False)
    originals = [r.repeat_of_id for r in repeats]
    assert len(originals) == len(set(originals)) == 3
    assert not Battle.objects.filter(repeat_of__in=repeats).exists()


def test_the_payload_of_a_repeat_does_not_say_so(client, study):
    arrive(client, "P1")
    plain = []
    for _ in range(REPEAT_GAP + 1):
        payload, _ = serve(client)
        plain.append((payload, vote(client, payload)))
    payload, battle = serve(client)
    assert battle.repeat_of is not None
    result = vote(client, payload)
    fresh_payload, fresh_result = plain[-1]

    def shape(value):  # the keys at every level, and the type of every leaf
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        return type(value).__name__

    assert shape(payload) == shape(fresh_payload) and shape(result) == shape(fresh_result)
    text = json.dumps(payload) + json.dumps(result)
    assert "repeat" not in text.lower() and battle.repeat_of.public_id not in text
    assert signing.loads(payload["token"], salt=TOKEN_SALT).keys() == {"b", "n", "s"}
    assert battle.public_id in payload["a"]["glb"]  # the files are the new battle's, not the original's
    assert result["counted"] is True and result["note"] == "" and result["counted"] == fresh_result["counted"]


def test_a_repeat_vote_is_kept_off_the_boards_but_counts_for_the_quota(client, study):
    participant = arrive(client, "P1")
    for _ in range(REPEAT_GAP + 2):
        vote(client, serve(client)[0])
    repeat_vote = Vote.objects.get(battle__repeat_of__isnull=False)
    assert repeat_vote.flagged and repeat_vote.flag_reason == REPEAT_REASON
    assert not rated_votes().filter(id=repeat_vote.id).exists()
    assert rated_votes().filter(battle=repeat_vote.battle.repeat_of).exists()  # the first showing counts
    status, payload = post(client, "/study/shapes/api/battles/")
    assert payload["study"]["done"] == REPEAT_GAP + 2
    assert participant.votes.count() == REPEAT_GAP + 2


def test_a_pair_voted_too_fast_is_not_repeated(study, cast):
    study.repeat_rate, study.min_vote_seconds = 1.0, 60
    study.save()
    client = Client()
    participant = arrive(client, "P1")
    rng = random.Random(1)
    for _ in range(REPEAT_GAP + 2):
        battle = study_battle_create(participant=participant, rng=rng)
        with transaction.atomic():
            study_vote_record(participant=participant, token=battle_token(battle=battle), winner="a")
    assert not Battle.objects.filter(repeat_of__isnull=False).exists()  # every vote was too fast


def test_without_a_repeat_rate_nothing_is_repeated(client, study):
    study.repeat_rate = 0
    study.save()
    arrive(client, "P1")
    for _ in range(4):
        vote(client, serve(client)[0])
    assert not Battle.objects.filter(repeat_of__isnull=False).exists()


def test_gold_and_repeat_rates_together_may_not_exceed_one(study):
    study.gold_rate, study.repeat_rate = 0.3, 0.8
    with pytest.raises(ValidationError) as error:
        study_check(study)
    assert "with the gold rate 0.3 that is more than 1" in str(error.value.message_dict["repeat_rate"])
    study.repeat_rate = -0.1
    with pytest.raises(ValidationError, match="not a share between 0 and 1"):
        study_check(study)


def test_the_command_sets_the_repeat_rate_and_names_a_bad_one(study):
    call_command("arena_study", "shapes", "--repeat-rate", "0.1", stdout=open("/dev/null", "w"))
    study.refresh_from_db()
    assert study.repeat_rate == 0.1
    with pytest.raises(CommandError, match="--repeat-rate: is 1.5"):
        call_command("arena_study", "shapes", "--repeat-rate", "1.5")
    study.refresh_from_db()
    assert study.repeat_rate == 0.1


def test_a_pair_repeated_meanwhile_by_another_request_gives_a_fresh_pair(client, study):
    participant = arrive(client, "P1")
    payload, original = serve(client)
    vote(client, payload)
    first = battle_create(annotator=participant.annotator, study=study, participant=participant, repeat_of=original)
    assert first.repeat_of == original
    # A second request that chose the same original (both read it as not repeated yet) gets a fresh pair.
    second = battle_create(annotator=participant.annotator, study=study, participant=participant, repeat_of=original)
    assert second.repeat_of is None and second.strategy != "repeat"
    assert Battle.objects.filter(repeat_of=original).count() == 1
