"""A study's export: its own votes only, as the chat arena's battles plus study, side shown first, time, participant."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from arena.models import Participant, Study

pytestmark = pytest.mark.django_db

PID = "5f1e0c9a7b3d2e4f6a8b0c1d"


@pytest.fixture
def study(cast) -> Study:
    study = Study.objects.create(slug="shapes", title="Shapes", quota=5, min_vote_seconds=0, completion_code="X")
    study.prompts.set(cast.prompts)
    return study


def vote(client: Client, prefix: str) -> None:
    battle = client.post(f"{prefix}api/battles/", "{}", content_type="application/json").json()
    body = json.dumps({"token": battle["token"], "winner": "a"})
    assert client.post(f"{prefix}api/vote/", body, content_type="application/json").status_code == 200


def test_it_exports_the_study_votes_only_with_the_participant_hash(client, study, admin_client, settings):
    settings.ARENA_MIN_VOTE_SECONDS = 0
    client.get(f"/study/shapes/?PROLIFIC_PID={PID}")
    client.post("/study/shapes/consent/", {"accept": "yes"})
    vote(client, "/study/shapes/")
    vote(client, "/study/shapes/")
    vote(Client(), "/arena/")  # a public vote: not the study's
    assert client.get("/study/shapes/export/").status_code == 302  # staff only
    response = admin_client.get("/study/shapes/export/?format=jsonl")
    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    participant = Participant.objects.get()
    assert len(rows) == 2
    assert {r["judge"] for r in rows} == {participant.id_hash} and PID not in json.dumps(rows)
    assert all(r["study"] == "shapes" and r["first_shown"] == "a" and r["winner"] == "model_a" for r in rows)
    assert all(r["seconds_to_vote"] >= 0 and r["model_a"] != r["model_b"] for r in rows)
    assert admin_client.get("/study/nothing/export/").status_code == 404
