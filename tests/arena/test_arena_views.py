from __future__ import annotations

import json

import pytest
from django.test import Client

from arena.models import Generator, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):
    settings.ARENA_MIN_VOTE_SECONDS = 0


def post(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def names() -> list[bytes]:
    result = []
    for generator in Generator.objects.all():
        result += [generator.name.encode(), generator.provider.encode()]
    return result


def test_it_serves_a_pair_and_takes_a_vote_then_reveals_the_names(client, cast):
    status, battle = post(client, "/arena/api/battles/", {})
    assert status == 200 and battle["token"] and battle["prompt"]["text"] in ("A chair", "A lamp")
    glb = client.get(battle["a"]["glb"])
    assert glb.status_code == 200 and glb["Content-Type"] == "model/gltf-binary"
    status, result = post(client, "/arena/api/vote/", {"token": battle["token"], "winner": "a"})
    assert status == 200 and result["counted"]
    revealed = {result["reveal"]["a"]["name"], result["reveal"]["b"]["name"]}
    assert revealed <= {g.name for g in cast.generators} and len(revealed) == 2
    assert Vote.objects.count() == 1


def test_nothing_served_before_the_vote_names_a_generator(client, cast):
    pages = [client.get("/arena/"), client.post("/arena/api/battles/", "{}", content_type="application/json")]
    battle = pages[1].json()
    for side in ("a", "b"):
        pages.append(client.get(battle[side]["glb"]))
    for response in pages:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = str(response.headers).encode()
        for secret in names():
            assert secret not in body and secret not in headers, f"{secret!r} leaked in {response}"
    assert "generator" not in json.dumps(battle).lower()
    # The battle JSON addresses files by battle and side only.
    assert all(f"/arena/b/{battle['a']['glb'].split('/')[3]}/" in battle[s]["glb"] for s in ("a", "b"))


def test_it_requires_csrf_on_every_post(cast):
    client = Client(enforce_csrf_checks=True)
    client.get("/arena/")
    assert client.post("/arena/api/battles/", "{}", content_type="application/json").status_code == 403
    token = client.cookies["csrftoken"].value
    response = client.post("/arena/api/battles/", "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert client.post("/arena/api/vote/", "{}", content_type="application/json").status_code == 403


def test_it_refuses_a_replayed_vote_with_a_clear_message(client, cast):
    _, battle = post(client, "/arena/api/battles/", {})
    post(client, "/arena/api/vote/", {"token": battle["token"], "winner": "b"})
    status, result = post(client, "/arena/api/vote/", {"token": battle["token"], "winner": "a"})
    assert status == 409 and "already been voted" in result["error"]
    assert list(Vote.objects.values_list("winner", flat=True)) == ["b"]


def test_it_refuses_a_body_that_is_not_json(client, cast):
    response = client.post("/arena/api/vote/", "winner=a", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_another_annotator_cannot_fetch_my_battle_files_or_vote_on_it(client, cast):
    _, battle = post(client, "/arena/api/battles/", {})
    other = Client()
    assert other.get(battle["a"]["glb"]).status_code == 404
    status, result = post(other, "/arena/api/vote/", {"token": battle["token"], "winner": "a"})
    assert status == 403 and Vote.objects.count() == 0


def test_it_says_when_no_pair_is_ready(client, db):
    status, result = post(client, "/arena/api/battles/", {})
    assert status == 503 and "No pairs are ready" in result["error"]


def test_the_annotator_page_shows_my_counts(client, cast):
    _, battle = post(client, "/arena/api/battles/", {})
    post(client, "/arena/api/vote/", {"token": battle["token"], "winner": "tie"})
    page = client.get("/arena/me/").content.decode()
    assert "Votes cast</dt><dd>1<" in page


def test_a_file_request_without_a_session_finds_no_battle_and_creates_no_annotator(client, cast):
    from arena.models import Annotator

    status, battle = post(client, "/arena/api/battles/", {})
    assert status == 200
    before = Annotator.objects.count()
    stranger = Client()
    assert stranger.get(battle["a"]["glb"]).status_code == 404
    assert Annotator.objects.count() == before
    assert client.get(battle["a"]["glb"]).status_code == 200
