"""The agreement panel: on a study's dashboard and in JSON, and for the public arena (staff only)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from arena.agreement_selectors import agreement_panel
from arena.models import Battle, Participant, Study, Vote
from arena.services import annotator_flag

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(cast) -> Study:
    study = Study.objects.create(slug="shapes", title="Shapes", quota=10, min_vote_seconds=0, completion_code="X")
    study.prompts.set(cast.prompts)
    return study


def post(client: Client, url: str, body: dict | None = None) -> dict:
    response = client.post(url, json.dumps(body or {}), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def take_part(pid: str, winners: str, prefix: str = "/study/shapes/") -> Participant | None:
    """A participant who answers one pair per letter of `winners` (a, b, t for tie, x for both bad)."""
    client = Client()
    if prefix.startswith("/study/"):
        client.get(f"{prefix}?PROLIFIC_PID={pid}")
        client.post(f"{prefix}consent/", {"accept": "yes"})
    for letter in winners:
        battle = post(client, f"{prefix}api/battles/")
        winner = {"t": "tie", "x": "both_bad"}.get(letter, letter)
        post(client, f"{prefix}api/vote/", {"token": battle["token"], "winner": winner})
    return Participant.objects.filter(id_hash__isnull=False).order_by("started_at").last()


def test_the_dashboard_shows_the_panel_and_the_json_gives_the_same_figures(study, admin_client):
    for pid in ("P1", "P2", "P3"):
        take_part(pid, "aaab")  # each of the cast's four pairs, once
    page = admin_client.get("/study/shapes/dashboard/").content.decode()
    assert 'id="agreement-panel"' in page and "Cohen’s κ" in page and "Krippendorff’s α" in page
    assert "4 items" in page and "12 votes" in page and "/study/shapes/api/agreement/" in page
    figures = admin_client.get("/study/shapes/api/agreement/").json()
    assert figures["study"] == "shapes" and figures["votes"] == 12 and figures["annotators"] == 3
    assert figures["kappa"]["items"] == 4 and figures["alpha"]["units"] == 4 and figures["alpha"]["annotators"] == 3
    left = Vote.objects.filter(winner="a").count()
    assert (figures["position"]["k"], figures["position"]["n"]) == (left, 12)
    assert figures["ties"]["n"] == 12 and figures["seconds"]["n"] == 12
    assert figures["position"]["low"] < figures["position"]["estimate"] <= figures["position"]["high"]


def test_the_panel_and_its_json_are_for_staff_only(study, client):
    assert client.get("/study/shapes/api/agreement/").status_code == 302
    assert client.get("/arena/agreement/").status_code == 302
    assert client.get("/arena/api/agreement/").status_code == 302


def test_answers_are_compared_by_model_not_by_side(study, admin_client):
    take_part("P1", "aaaa")
    take_part("P2", "aaaa")
    # Each battle's side A is drawn at random: the same letter is the same model only where the sides match.
    same = 0
    for battle in Battle.objects.filter(participant__id_hash__isnull=False).order_by("id")[:4]:
        twin = Battle.objects.exclude(participant=battle.participant).get(
            prompt=battle.prompt,
            asset_a__in=[battle.asset_a, battle.asset_b],
            asset_b__in=[battle.asset_a, battle.asset_b],
        )
        same += twin.asset_a_id == battle.asset_a_id
    figures = agreement_panel(study=study)
    assert figures["kappa"]["items"] == 4 and figures["kappa"]["observed"] == pytest.approx(same / 4)


def test_a_repeat_counts_as_held_when_the_same_model_is_chosen_from_the_other_side(study, admin_client):
    study.repeat_rate = 1.0
    study.save()
    take_part("P1", "aaab")  # three fresh pairs, then the first again with its sides swapped: "b" is the same model
    repeat = Battle.objects.get(repeat_of__isnull=False)
    assert repeat.repeat_of.vote.winner == "a" and repeat.vote.winner == "b"
    figures = agreement_panel(study=study)
    assert (figures["repeat"]["k"], figures["repeat"]["n"]) == (1, 1)
    assert figures["votes"] == 4 and figures["kappa"]["items"] == 0  # one annotator: nothing to compare


def test_flagged_participants_are_left_out_and_listed_with_their_reason(study, admin_client):
    take_part("P1", "aaab")
    flagged = take_part("P2", "bbba")
    annotator_flag(annotator=flagged.annotator, reason="outlier test p = 2e-05 < 0.001 (4 of 4 votes against)")
    figures = agreement_panel(study=study)
    assert figures["votes"] == 4 and figures["annotators"] == 1
    page = admin_client.get("/study/shapes/dashboard/").content.decode()
    assert "Flagged participants (1)" in page and flagged.public_id in page
    assert "outlier test p = 2e-05 &lt; 0.001 (4 of 4 votes against)" in page


def test_the_public_panel_reads_votes_outside_studies_only(study, admin_client, settings):
    settings.ARENA_MIN_VOTE_SECONDS = 0
    cache.clear()
    take_part("P1", "aaab")
    take_part("", "ab", prefix="/arena/")
    figures = admin_client.get("/arena/api/agreement/").json()
    assert figures["study"] is None and figures["votes"] == 2
    page = admin_client.get("/arena/agreement/").content.decode()
    assert 'id="agreement-panel"' in page and "2 votes by 1 annotators" in page
