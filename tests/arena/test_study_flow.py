"""A study through its pages: arrival from a platform, consent, pairs within the study, gate, quota, refusals."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from arena.models import Asset, Battle, Participant, ParticipantStatus, Prompt, Study, Vote
from arena.study_services import id_hash
from tests.arena.conftest import make_asset

pytestmark = pytest.mark.django_db

PID = "5f1e0c9a7b3d2e4f6a8b0c1d"  # a Prolific participant id, as Prolific writes them
PROLIFIC = f"PROLIFIC_PID={PID}&STUDY_ID=60aa0bb0cc0dd0ee0ff00112&SESSION_ID=sess0123456789"


@pytest.fixture
def study(cast) -> Study:
    """Both prompts, every model, a quota of 3, no gate, no minimum time."""
    study = Study.objects.create(
        slug="shapes",
        title="Shapes",
        instructions="Pick the **better** model.",
        consent="You agree to take part. <script>alert(1)</script>",
        quota=3,
        min_vote_seconds=0,
        completion_url="https://app.prolific.com/submissions/complete?cc={code}",
        completion_code="C0MPL3T3",
        screenout_code="SCR33N",
    )
    study.prompts.set(cast.prompts)
    return study


@pytest.fixture
def gold(cast) -> list[Asset]:
    """A reference for each prompt: with the cast's 12-triangle outputs, five gold pairs."""
    return [make_asset(prompt, None) for prompt in cast.prompts]


def post(client: Client, url: str, body: dict | None = None) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json()


def arrive(client: Client, slug: str = "shapes", query: str = PROLIFIC, consent: bool = True) -> Participant:
    assert client.get(f"/study/{slug}/?{query}").status_code == 302
    if consent:
        assert client.post(f"/study/{slug}/consent/", {"accept": "yes"}).status_code == 302
    return Participant.objects.latest("started_at")


def answer(client: Client, winner: str | None = None, slug: str = "shapes") -> dict:
    """One pair: served, then voted (the gold answer on a gold pair, unless `winner` says otherwise)."""
    status, battle = post(client, f"/study/{slug}/api/battles/")
    assert status == 200, battle
    stored = Battle.objects.get(public_id=battle["a"]["glb"].split("/")[3])
    choice = winner or stored.gold_answer or "a"
    status, result = post(client, f"/study/{slug}/api/vote/", {"token": battle["token"], "winner": choice})
    assert status == 200, result
    return result


def every_stored_text() -> str:
    """Every row of every table as text, sessions decoded: what a database dump would show."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            parts.append(repr(cursor.fetchall()))
    parts += [repr(s.get_decoded()) for s in Session.objects.all()]
    return "\n".join(parts)


# -- arriving ------------------------------------------------------------------


def test_the_prolific_parameters_create_a_participant_known_only_by_a_hash(client, study):
    participant = arrive(client)
    assert participant.platform == "prolific" and participant.study == study
    assert participant.id_hash == id_hash(study=study, text=f"prolific:{PID}")
    assert participant.platform_study == "60aa0bb0cc0dd0ee0ff00112"
    answer(client)
    stored = every_stored_text()
    assert PID not in stored and "sess0123456789" not in stored
    assert participant.id_hash in stored


def test_the_same_id_hashes_differently_in_another_study(client, study, cast):
    other = Study.objects.create(slug="other", title="Other", quota=1, completion_code="X")
    other.prompts.set(cast.prompts)
    first = arrive(client)
    second = arrive(Client(), slug="other")
    assert first.id_hash != second.id_hash and first.annotator_id != second.annotator_id


def test_the_link_redirects_to_itself_without_the_platform_ids(client, study):
    response = client.get(f"/study/shapes/?{PROLIFIC}")
    assert response.status_code == 302 and response["Location"] == "/study/shapes/"


def test_mturk_parameters_and_none_at_all_make_participants_too(client, study):
    mturk = arrive(client, query="workerId=A1B2C3D4E5&assignmentId=3XYZ&hitId=3HIT")
    assert mturk.platform == "mturk" and mturk.platform_study == "3HIT"
    anonymous = Client()
    assert anonymous.get("/study/shapes/").status_code == 200
    participant = Participant.objects.get(platform="anonymous")
    assert anonymous.get("/study/shapes/").status_code == 200  # the same session: the same participant
    assert Participant.objects.filter(platform="anonymous").count() == 1 and participant.consented_at is None


def test_the_mturk_preview_is_not_a_participant(client, study):
    response = client.get("/study/shapes/?workerId=ASSIGNMENT_ID_NOT_AVAILABLE")
    assert response.status_code == 400 and not Participant.objects.exists()


def test_it_shows_the_instructions_and_consent_as_safe_markdown(client, study):
    client.get(f"/study/shapes/?{PROLIFIC}")
    page = client.get("/study/shapes/").content.decode()
    assert "<strong>better</strong>" in page and 'name="accept"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# -- refusals ------------------------------------------------------------------


def test_an_unknown_slug_is_a_clear_404(client, db):
    response = client.get("/study/nothing-here/")
    assert response.status_code == 404 and b"No study here" in response.content
    assert post(client, "/study/nothing-here/api/battles/")[0] == 404


def test_a_study_not_open_yet_says_so_and_admits_nobody(client, study):
    study.opens_at = timezone.now() + timedelta(days=1)
    study.save()
    response = client.get(f"/study/shapes/?{PROLIFIC}")
    assert response.status_code == 403 and b"has not opened yet" in response.content
    assert not Participant.objects.exists()


def test_a_closed_study_says_so_and_serves_no_pair(client, study):
    arrive(client)
    study.closes_at = timezone.now() - timedelta(minutes=1)
    study.save()
    response = client.get("/study/shapes/")
    assert response.status_code == 403 and b"This study is closed" in response.content
    status, body = post(client, "/study/shapes/api/battles/")
    assert status == 403 and "closed" in body["error"] and not Battle.objects.exists()


def test_no_pair_before_the_consent_is_given(client, study):
    arrive(client, consent=False)
    status, body = post(client, "/study/shapes/api/battles/")
    assert status == 403 and "consent" in body["error"] and not Battle.objects.exists()


def test_consent_without_the_box_ticked_is_refused(client, study):
    participant = arrive(client, consent=False)
    response = client.post("/study/shapes/consent/", {})
    assert response.status_code == 400 and b"tick the box" in response.content
    participant.refresh_from_db()
    assert participant.consented_at is None


def test_no_pair_without_having_opened_the_link(client, study):
    status, body = post(client, "/study/shapes/api/battles/")
    assert status == 403 and "link" in body["error"]


def test_a_vote_on_a_pair_of_another_study_is_refused(client, study, cast):
    other = Study.objects.create(slug="other", title="Other", quota=5, min_vote_seconds=0, completion_code="X")
    other.prompts.set(cast.prompts)
    arrive(client)
    arrive(client, slug="other")
    status, battle = post(client, "/study/other/api/battles/")
    assert status == 200
    status, body = post(client, "/study/shapes/api/vote/", {"token": battle["token"], "winner": "a"})
    assert status == 403 and "does not belong to this study" in body["error"]
    assert not Vote.objects.exists()


def test_a_study_pair_takes_no_vote_through_the_public_arena(client, study):
    arrive(client)
    status, battle = post(client, "/study/shapes/api/battles/")
    status, body = post(client, "/arena/api/vote/", {"token": battle["token"], "winner": "a"})
    assert status == 403 and "belongs to a study" in body["error"] and not Vote.objects.exists()


def test_a_public_pair_takes_no_vote_through_a_study(client, study):
    arrive(client)
    status, battle = post(client, "/arena/api/battles/")
    assert status == 200
    status, body = post(client, "/study/shapes/api/vote/", {"token": battle["token"], "winner": "a"})
    assert status == 403 and not Vote.objects.exists()


# -- the study's pairs ---------------------------------------------------------


def test_pairs_stay_within_the_study_prompts_and_models(client, cast):
    outside = Prompt.objects.create(slug="vase", text="A vase")
    for generator in cast.generators:
        make_asset(outside, generator)
    chosen = [g for g in cast.generators if not g.name.startswith("Nimbus")]
    study = Study.objects.create(slug="small", title="Small", quota=5, min_vote_seconds=0, completion_code="X")
    study.prompts.set([cast.prompts[0], cast.prompts[1]])
    study.generators.set(chosen)
    arrive(client, slug="small")
    served = []
    while (response := post(client, "/study/small/api/battles/"))[0] == 200:
        served.append(Battle.objects.get(public_id=response[1]["a"]["glb"].split("/")[3]))
    # chair and lamp each have one pair of the two chosen models; the vase and Nimbus are outside.
    assert len(served) == 2 and response[0] == 503
    assert {b.prompt_id for b in served} == {cast.prompts[0].id, cast.prompts[1].id}
    assert all({b.asset_a.generator, b.asset_b.generator} == set(chosen) for b in served)
    assert all(b.study == study and b.participant is not None for b in served)


def test_a_vote_records_the_study_participant_and_time(client, study):
    participant = arrive(client)
    answer(client, "b")
    vote = Vote.objects.get()
    assert vote.study == study and vote.participant == participant and vote.annotator == participant.annotator
    assert vote.battle.study == study and vote.seconds_to_vote >= 0


def test_the_names_stay_hidden_after_a_study_vote_unless_the_study_reveals(client, study, cast):
    arrive(client)
    result = answer(client)
    assert result["reveal"] is None
    assert not any(g.name in json.dumps(result) for g in cast.generators)
    study.reveal = True
    study.save()
    assert answer(client)["reveal"]["a"]["name"] in {g.name for g in cast.generators}


def test_the_study_page_names_no_model(client, study, cast):
    arrive(client)
    page = client.get("/study/shapes/").content.decode()
    assert 'id="study-progress"' in page and "/study/shapes/api/battles/" in page
    assert not any(g.name in page for g in cast.generators)


# -- progress, quota, gate -----------------------------------------------------


def test_the_quota_completes_the_participant_with_the_completion_code(client, study):
    participant = arrive(client)
    assert answer(client)["study"]["done"] == 1
    assert answer(client)["study"]["status"] == "started"
    last = answer(client)["study"]
    assert last == {
        "done": 3,
        "quota": 3,
        "status": "completed",
        "code": "C0MPL3T3",
        "next": "https://app.prolific.com/submissions/complete?cc=C0MPL3T3",
    }
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.COMPLETED and participant.finished_at is not None


def test_a_completed_participant_returning_is_refused_and_shown_the_code(client, study):
    arrive(client)
    for _ in range(3):
        answer(client)
    again = Client()
    response = again.get(f"/study/shapes/?{PROLIFIC}", follow=True)
    assert response.status_code == 403 and b"already completed this study" in response.content
    assert b"C0MPL3T3" in response.content
    assert post(again, "/study/shapes/api/battles/")[0] == 403
    assert Participant.objects.count() == 1


def test_resuming_with_the_same_id_keeps_the_participant_and_progress(client, study):
    participant = arrive(client)
    answer(client)
    elsewhere = Client()  # a new browser: no cookie of the first
    assert elsewhere.get(f"/study/shapes/?{PROLIFIC}").status_code == 302
    page = elsewhere.get("/study/shapes/")
    assert b"1 of 3 pairs" in page.content  # consent was given already: straight to the pairs
    status, battle = post(elsewhere, "/study/shapes/api/battles/")
    assert status == 200 and battle["study"]["done"] == 1
    assert Participant.objects.get() == participant


def test_votes_under_the_minimum_time_are_kept_but_do_not_advance_the_quota(client, study):
    study.min_vote_seconds = 600
    study.save()
    arrive(client)
    result = answer(client)
    assert result["study"]["done"] == 0 and result["counted"] is False
    vote = Vote.objects.get()
    assert vote.flagged and "600 s minimum" in vote.flag_reason


def test_the_gate_serves_gold_pairs_first_and_lets_through_who_passes(client, study, gold):
    study.gate_pairs, study.gate_pass = 2, 2
    study.save()
    participant = arrive(client)
    answer(client)
    answer(client)
    participant.refresh_from_db()
    assert participant.gate_passed_at is not None and participant.status == "started"
    assert list(Battle.objects.order_by("created_at").values_list("is_gold", flat=True)) == [True, True]


def test_failing_the_gate_screens_out_with_the_screenout_code(client, study, gold):
    study.gate_pairs, study.gate_pass = 3, 2
    study.save()
    participant = arrive(client)

    def wrong(result_battle: Battle) -> str:
        return "b" if result_battle.gold_answer == "a" else "a"

    status, battle = post(client, "/study/shapes/api/battles/")
    stored = Battle.objects.get(public_id=battle["a"]["glb"].split("/")[3])
    status, first = post(client, "/study/shapes/api/vote/", {"token": battle["token"], "winner": wrong(stored)})
    assert first["study"]["status"] == "started"  # one wrong of three: two right still possible
    status, battle = post(client, "/study/shapes/api/battles/")
    stored = Battle.objects.get(public_id=battle["a"]["glb"].split("/")[3])
    status, second = post(client, "/study/shapes/api/vote/", {"token": battle["token"], "winner": wrong(stored)})
    assert second["study"]["status"] == "screened_out" and second["study"]["code"] == "SCR33N"
    assert second["study"]["next"] == "/study/shapes/"  # no screen-out URL: the page shows the code
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.SCREENED_OUT
    response = client.get("/study/shapes/")
    assert response.status_code == 403 and b"cannot take part in this study again" in response.content
    assert b"SCR33N" in response.content
    assert post(client, "/study/shapes/api/battles/")[0] == 403


def test_a_gate_without_gold_pairs_is_refused_clearly(client, study):
    study.gate_pairs, study.gate_pass = 2, 1
    study.save()
    arrive(client)
    status, body = post(client, "/study/shapes/api/battles/")
    assert status == 503 and "check pairs" in body["error"]


def test_gold_pairs_come_at_the_study_rate_after_the_gate(client, study, gold):
    study.gold_rate, study.quota = 1.0, 5
    study.save()
    arrive(client)
    for _ in range(3):
        answer(client)
    assert set(Battle.objects.values_list("is_gold", flat=True)) == {True}


def test_only_the_study_prompts_give_gold_pairs(client, cast):
    make_asset(cast.prompts[1], None)  # a reference for the lamp only
    study = Study.objects.create(slug="chairs", title="Chairs", quota=5, min_vote_seconds=0, gold_rate=1.0,
                                 completion_code="X")  # fmt: skip
    study.prompts.set([cast.prompts[0]])
    arrive(client, slug="chairs")
    answer(client, slug="chairs")
    battle = Battle.objects.get()
    assert not battle.is_gold and battle.prompt == cast.prompts[0]


def test_the_dashboard_is_for_staff_and_counts_participants(client, study, admin_client):
    arrive(client)
    answer(client)
    assert client.get("/study/shapes/dashboard/").status_code == 302  # to the login
    page = admin_client.get("/study/shapes/dashboard/")
    assert page.status_code == 200
    figures = page.context["figures"]
    assert figures["started"] == 1 and figures["votes"] == 1 and figures["completed"] == 0
    assert sum(n for _, n in figures["per_prompt"]) == 1


def test_the_public_arena_serves_pairs_outside_any_study(client, study):
    status, battle = post(client, "/arena/api/battles/")
    assert status == 200 and "study" not in battle
    assert Battle.objects.get().study is None


def test_a_classroom_behind_one_address_is_not_held_to_the_public_limits(client, study, settings):
    # The public arena would refuse this network's second vote, and a second pair past the first few.
    settings.ARENA_VOTES_PER_HOUR_PER_IP = 1
    settings.ARENA_VOTES_PER_HOUR = 1
    for k in range(3):
        student = Client(REMOTE_ADDR="10.20.30.40")
        arrive(student, query=f"PROLIFIC_PID=5f1e0c9a7b3d2e4f6a8b0c{k:02d}")
        for _ in range(2):
            answer(student)
    assert Vote.objects.filter(study=study).count() == 6
    assert set(Battle.objects.filter(study=study).values_list("ip_address", flat=True)) == {"10.20.30.40"}
    # The public arena, from the same address, is still held to them.
    public = Client(REMOTE_ADDR="10.20.30.40")
    public.get("/arena/")
    status, body = post(public, "/arena/api/battles/")
    if status == 200:
        status, body = post(public, "/arena/api/vote/", {"token": body["token"], "winner": "a"})
    assert status == 429 and "network" in body["error"]
