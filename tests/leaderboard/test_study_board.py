"""A study's board: ratings from its own counted votes only, one board per criterion, fitted in the background."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from arena.models import Battle, Study, Vote
from leaderboard.models import StudyBoard
from leaderboard.services import PENDING_KEY as PUBLIC_KEY
from leaderboard.study_exports import study_export_rows
from leaderboard.study_services import PENDING_KEY, study_boards_refresh
from tests.arena.conftest import cast  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

X = "Zephyr-Secret-9"
CRITERIA = [
    {"key": "fidelity", "label": "Prompt fidelity", "help": ""},
    {"key": "geometry", "label": "Geometry quality", "help": ""},
    {"key": "detail", "label": "Detail", "help": ""},
]


@pytest.fixture(autouse=True)
def _few_rounds(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LEADERBOARD_BOOTSTRAP = 50


@pytest.fixture
def study(cast) -> Study:  # noqa: F811
    study = Study.objects.create(
        slug="shapes", title="Shapes", quota=4, min_vote_seconds=0, completion_code="C0DE", criteria=CRITERIA
    )
    study.prompts.set(cast.prompts)
    return study


def post(client: Client, url: str, body: dict) -> dict:
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def x_wins_geometry_loses_fidelity(battle: Battle) -> dict[str, str]:
    """X loses every fidelity answer and wins every geometry answer; detail is a tie; other pairs go to A."""
    names = {"a": battle.asset_a.generator.name, "b": battle.asset_b.generator.name}
    if X not in names.values():
        return {"fidelity": "a", "geometry": "a", "detail": "tie"}
    x_side = "a" if names["a"] == X else "b"
    other = "b" if x_side == "a" else "a"
    return {"fidelity": other, "geometry": x_side, "detail": "tie"}


def participants_vote(n: int) -> None:
    """`n` Prolific participants each answer every pair of the study (the cast has four)."""
    for i in range(n):
        client = Client()
        assert client.get(f"/study/shapes/?PROLIFIC_PID=pid{i:04d}").status_code == 302
        assert client.post("/study/shapes/consent/", {"accept": "yes"}).status_code == 302
        for _ in range(4):
            served = post(client, "/study/shapes/api/battles/", {})
            battle = Battle.objects.select_related("asset_a__generator", "asset_b__generator").get(
                public_id=served["a"]["glb"].split("/")[3]
            )
            answers = x_wins_geometry_loses_fidelity(battle)
            post(client, "/study/shapes/api/vote/", {"token": served["token"], "answers": answers})


def public_vote() -> None:
    client = Client()
    served = post(client, "/arena/api/battles/", {})
    post(client, "/arena/api/vote/", {"token": served["token"], "winner": "a"})


def board(client: Client, criterion: str = "") -> dict:
    query = f"?criterion={criterion}" if criterion else ""
    response = client.get(f"/study/shapes/api/board/{query}")
    assert response.status_code == 200, response.content
    return response.json()


def ratings(payload: dict) -> dict[str, float]:
    return {row["model"]: row["rating"] for row in payload["rows"]}


def test_the_boards_per_criterion_differ_when_the_answers_do(study, admin_client):
    participants_vote(3)
    stored = study_boards_refresh()
    assert sorted(b.criterion for b in stored) == ["detail", "fidelity", "geometry"]
    fidelity, geometry = ratings(board(admin_client, "fidelity")), ratings(board(admin_client, "geometry"))
    assert min(fidelity, key=fidelity.get) == X and max(geometry, key=geometry.get) == X
    detail = board(admin_client, "detail")
    assert detail["n_votes"] == 12 and detail["updating"] is False
    assert all(row["ties"] == row["battles"] for row in detail["rows"])  # every detail answer was a tie
    assert board(admin_client)["criterion"] == "fidelity"  # the first criterion by default
    assert study_boards_refresh() == []  # nothing changed: nothing refitted


def test_the_board_counts_the_study_votes_only_and_no_flagged_vote(study, admin_client):
    participants_vote(2)
    public_vote()
    study_boards_refresh()
    payload = board(admin_client, "geometry")
    assert payload["n_votes"] == 8 == Vote.objects.filter(study=study).count() == Vote.objects.count() - 1
    assert sum(row["battles"] for row in payload["rows"]) == 2 * 8
    flagged = Vote.objects.filter(study=study).order_by("id").first()
    Vote.objects.filter(id=flagged.id).update(flagged=True, flag_reason="flagged by an admin")
    stale = board(admin_client, "geometry")
    assert stale["updating"] is True and stale["counted_votes"] == 7 and stale["n_votes"] == 8
    assert cache.get(PENDING_KEY)  # the refit is scheduled, not run inside the request
    study_boards_refresh()
    fresh = board(admin_client, "geometry")
    assert fresh["n_votes"] == 7 and fresh["updating"] is False and fresh["board"] != payload["board"]


def test_a_study_without_criteria_has_one_board_from_its_main_votes(study, admin_client):
    study.criteria = []
    study.save()
    client = Client()
    client.get("/study/shapes/?PROLIFIC_PID=solo")
    client.post("/study/shapes/consent/", {"accept": "yes"})
    for _ in range(3):
        served = post(client, "/study/shapes/api/battles/", {})
        post(client, "/study/shapes/api/vote/", {"token": served["token"], "winner": "b"})
    assert [b.criterion for b in study_boards_refresh()] == [""]
    payload = board(admin_client)
    assert payload["criterion"] == "" and payload["n_votes"] == 3 and payload["criteria"] == []
    assert admin_client.get("/study/shapes/api/board/?criterion=geometry").status_code == 404


def test_a_study_vote_schedules_the_study_refresh_and_a_public_vote_does_not(study, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        public_vote()
    assert cache.get(PUBLIC_KEY) and not cache.get(PENDING_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        participants_vote(1)
    assert cache.get(PENDING_KEY)


def test_the_board_is_for_staff_unless_the_study_publishes_it(study, client, admin_client):
    participants_vote(1)
    study_boards_refresh()
    response = client.get("/study/shapes/api/board/")
    assert response.status_code == 403 and "staff only" in response.json()["error"]
    assert client.get("/study/shapes/board/").status_code == 302  # to the login page
    page = admin_client.get("/study/shapes/board/?criterion=geometry").content.decode()
    assert 'aria-current="page" title="">Geometry quality' in page and f'data-model="{X}"' in page
    study.board_public = True
    study.save()
    assert client.get("/study/shapes/api/board/").json()["public"] is True
    assert client.get("/study/shapes/board/").status_code == 200
    unknown = client.get("/study/shapes/api/board/?criterion=colour")
    assert unknown.status_code == 404 and "'colour'" in unknown.json()["error"]
    assert client.get("/study/nothing/api/board/").status_code == 404


def test_the_page_before_the_first_board_says_it_is_being_computed(study, admin_client):
    participants_vote(1)
    page = admin_client.get("/study/shapes/board/").content.decode()
    assert "The first board is being computed" in page and StudyBoard.objects.count() == 0


def test_the_export_has_one_row_per_criterion_answer(study, admin_client):
    participants_vote(1)
    rows = list(study_export_rows(study=study))
    assert len(rows) == 4 * 3
    assert [r["criterion"] for r in rows[:3]] == ["fidelity", "geometry", "detail"]
    first = Vote.objects.filter(study=study).order_by("id").first()
    answers = dict(first.answers.values_list("criterion", "winner"))
    winners = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}
    assert {r["criterion"]: r["winner"] for r in rows[:3]} == {k: winners[v] for k, v in answers.items()}
    assert len({(r["judge"], r["tstamp"]) for r in rows}) == 4  # three rows per vote
    response = admin_client.get("/study/shapes/export/?format=csv")
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert "criterion" in header.split(",")
