"""A study with criteria: one screen answers every criterion, all stored or none, one pair of the quota."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from arena.admin import StudyForm
from arena.models import Battle, CriterionVote, Participant, Study, Vote
from arena.study_services import criteria_check

pytestmark = pytest.mark.django_db

PID = "5f1e0c9a7b3d2e4f6a8b0c1d"
CRITERIA = [
    {"key": "fidelity", "label": "Prompt fidelity", "help": "Does it show what the prompt asks?"},
    {"key": "geometry", "label": "Geometry quality", "help": ""},
    {"key": "detail", "label": "Detail", "help": "Fine parts, not noise."},
]


@pytest.fixture
def study(cast) -> Study:
    study = Study.objects.create(
        slug="shapes", title="Shapes", quota=2, min_vote_seconds=0, completion_code="C0MPL3T3", criteria=CRITERIA
    )
    study.prompts.set(cast.prompts)
    return study


def post(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


@pytest.fixture
def participant_client(study) -> Client:
    client = Client()
    assert client.get(f"/study/shapes/?PROLIFIC_PID={PID}").status_code == 302
    assert client.post("/study/shapes/consent/", {"accept": "yes"}).status_code == 302
    return client


def serve(client: Client) -> dict:
    status, battle = post(client, "/study/shapes/api/battles/", {})
    assert status == 200, battle
    return battle


def vote(client: Client, token: str, **body: object) -> tuple[int, dict]:
    return post(client, "/study/shapes/api/vote/", {"token": token, **body})


ALL = {"fidelity": "a", "geometry": "b", "detail": "both_bad"}


def nothing_stored(token_battle: dict) -> bool:
    battle = Battle.objects.get(public_id=token_battle["a"]["glb"].split("/")[3])
    return Vote.objects.count() == 0 and CriterionVote.objects.count() == 0 and battle.revealed_at is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"answers": {"fidelity": "a", "geometry": "b"}}, "Missing answer for the criterion 'detail' (Detail)."),
        ({"answers": {**ALL, "colour": "a"}},
         "Unknown criterion 'colour': this study asks for fidelity, geometry, detail."),
        ({"answers": {**ALL, "geometry": "c"}},
         "Criterion 'geometry': unknown answer 'c'; expected one of a, b, tie, both_bad."),
        ({"answers": {**ALL, "detail": None}}, "Criterion 'detail': unknown answer None"),
        ({"answers": ["a", "b", "tie"]}, "`answers` must be an object with an answer for each criterion"),
        ({"answers": None}, "`answers` must be an object"),
        ({"winner": "a"}, "This study asks 3 questions: send `answers` (fidelity, geometry, detail), not `winner`."),
    ],
)  # fmt: skip
def test_a_bad_screen_is_refused_with_the_criterion_named_and_nothing_is_stored(participant_client, body, message):
    battle = serve(participant_client)
    status, result = vote(participant_client, battle["token"], **body)
    assert status == 400 and result["error"].startswith(message)
    assert nothing_stored(battle)
    # The pair is still open: the right answers are taken.
    status, result = vote(participant_client, battle["token"], answers=ALL)
    assert status == 200, result


def test_all_answers_are_stored_with_the_first_as_the_main_vote(participant_client, study):
    battle = serve(participant_client)
    status, result = vote(participant_client, battle["token"], answers={"detail": "tie", "geometry": "b",
                                                                        "fidelity": "a"})  # fmt: skip
    assert status == 200 and result["study"]["done"] == 1
    stored = Vote.objects.get()
    assert stored.winner == "a"  # fidelity, the study's first criterion
    assert list(stored.answers.values_list("criterion", "winner")) == [("fidelity", "a"), ("geometry", "b"),
                                                                         ("detail", "tie")]  # fmt: skip


def test_a_retry_is_answered_again_and_other_answers_are_refused(participant_client):
    battle = serve(participant_client)
    assert vote(participant_client, battle["token"], answers=ALL)[0] == 200
    status, result = vote(participant_client, battle["token"], answers=ALL)
    assert status == 200 and result["duplicate"] is True
    # The same main answer, another geometry answer: a different vote, refused, the stored one untouched.
    status, result = vote(participant_client, battle["token"], answers={**ALL, "geometry": "tie"})
    assert status == 409 and "already been voted" in result["error"]
    assert dict(CriterionVote.objects.values_list("criterion", "winner")) == ALL
    assert Vote.objects.count() == 1 and Participant.objects.get().votes.count() == 1


def test_the_quota_counts_one_pair_per_screen(participant_client):
    for _ in range(2):
        battle = serve(participant_client)
        status, result = vote(participant_client, battle["token"], answers=ALL)
        assert status == 200
    assert result["study"] == result["study"] | {"done": 2, "quota": 2, "status": "completed", "code": "C0MPL3T3"}
    assert Vote.objects.count() == 2 and CriterionVote.objects.count() == 6


def test_a_study_without_criteria_refuses_answers_and_a_missing_winner(participant_client, study):
    study.criteria = []
    study.save()
    battle = serve(participant_client)
    status, result = vote(participant_client, battle["token"], answers=ALL)
    assert status == 400 and result["error"] == "This study asks one question: send `winner`, not `answers`."
    status, result = vote(participant_client, battle["token"])
    assert status == 400 and result["error"].startswith("Missing `winner`")
    assert vote(participant_client, battle["token"], winner="b")[0] == 200
    assert CriterionVote.objects.count() == 0 and Vote.objects.get().winner == "b"


def test_the_page_shows_one_row_per_criterion_and_the_public_arena_keeps_its_question(participant_client, client):
    page = participant_client.get("/study/shapes/").content.decode()
    assert page.count('class="criterion"') == 3 and 'id="criteria-form"' in page and 'id="vote-bar"' not in page
    assert "Geometry quality" in page and "Fine parts, not noise." in page
    assert page.count('name="criterion-fidelity"') == 4
    public = client.get("/arena/").content.decode()
    assert 'id="vote-bar"' in public and "criteria-form" not in public


def test_the_dashboard_counts_each_criterion_and_links_its_board(participant_client, admin_client):
    battle = serve(participant_client)
    vote(participant_client, battle["token"], answers=ALL)
    page = admin_client.get("/study/shapes/dashboard/").content.decode()
    assert page.count('href="/study/shapes/board/?criterion=') == 3
    row = page.split('data-criterion="geometry"')[1].split("</tr>")[0]
    assert "<td>0</td><td>1</td><td>0</td><td>0</td>" in row  # A, B, tie, both bad


# -- setting the criteria --------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("arena_study", *args, stdout=out)
    return out.getvalue()


BASE = ("--title", "Shapes", "--quota", "4", "--completion-code", "C0DE", "--prompts", "chair,lamp")


def test_the_command_sets_criteria_and_their_help_texts(cast):
    run("set", *BASE, "--criteria", "fidelity:Prompt fidelity,geometry:Geometry quality:Clean surfaces",
        "--criterion-help", "fidelity=Does it show, in full, what the prompt asks?", "--board-public")  # fmt: skip
    study = Study.objects.get(slug="set")
    assert study.criteria == [
        {"key": "fidelity", "label": "Prompt fidelity", "help": "Does it show, in full, what the prompt asks?"},
        {"key": "geometry", "label": "Geometry quality", "help": "Clean surfaces"},
    ]
    assert study.board_public is True
    run("set", "--criterion-help", "geometry=Watertight, no stray faces")  # help texts alone keep the criteria
    assert Study.objects.get(slug="set").criteria[1]["help"] == "Watertight, no stray faces"
    run("set", "--criteria", "")
    assert Study.objects.get(slug="set").criteria == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a:A,b:B,c:C,d:D,e:E", "--criteria: 5 criteria, more than 4"),
        ("fidelity:One,fidelity:Two", "--criteria: criterion 2: the key 'fidelity' is used twice"),
        ("Fidelity:One", "--criteria: criterion 1: key 'Fidelity' must be lower-case"),
        ("fidelity", "--criteria: criterion 'fidelity': the label must be some text"),
    ],
)
def test_the_command_names_a_bad_criterion_and_changes_nothing(cast, value, message):
    with pytest.raises(CommandError, match=message):
        run("bad", *BASE, "--criteria", value)
    assert not Study.objects.filter(slug="bad").exists()


def test_the_criteria_keys_cannot_change_once_the_study_has_votes(participant_client, study):
    battle = serve(participant_client)
    vote(participant_client, battle["token"], answers=ALL)
    with pytest.raises(CommandError, match="--criteria: the study has votes on fidelity, geometry, detail"):
        run("shapes", "--criteria", "geometry:Geometry,fidelity:Fidelity,detail:Detail")
    run("shapes", "--criteria", "fidelity:Fidelity to the prompt,geometry:Geometry,detail:Detail")  # labels may
    assert Study.objects.get().criteria[0]["label"] == "Fidelity to the prompt"


def test_the_admin_form_reads_criteria_one_a_line(cast, study):
    data = {
        "slug": "shapes", "title": "Shapes", "prompts": [p.id for p in cast.prompts], "quota": 2, "gold_rate": 0,
        "repeat_rate": 0, "gate_pairs": 0, "gate_pass": 0, "min_vote_seconds": 0, "completion_code": "C0MPL3T3",
        "criteria": "fidelity | Prompt fidelity | Does it show what the prompt asks?\n\noverall | Overall\n",
    }  # fmt: skip
    form = StudyForm(data=data, instance=study)
    assert form.is_valid(), form.errors
    assert form.save().criteria == [
        {"key": "fidelity", "label": "Prompt fidelity", "help": "Does it show what the prompt asks?"},
        {"key": "overall", "label": "Overall", "help": ""},
    ]
    assert "fidelity | Prompt fidelity | Does it show" in StudyForm(instance=study).as_p()
    bad = StudyForm(data={**data, "criteria": "a | A\nb | B\nc | C\nd | D\ne | E"}, instance=study)
    assert not bad.is_valid() and "5 criteria, more than 4" in str(bad.errors["criteria"])


def test_criteria_must_be_a_list_of_key_label_help():
    with pytest.raises(ValidationError, match="must be a list"):
        criteria_check({"key": "a"})
    with pytest.raises(ValidationError, match="criterion 1 must be an object"):
        criteria_check([{"key": "a", "label": "A", "weight": 2}])
