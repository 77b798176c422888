"""The correlation page for one study board's criterion: its stored metric table, for those who may see the board."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.template.defaultfilters import floatformat

from arena.models import Study
from leaderboard.models import StudyBoard
from leaderboard.study_services import PENDING_KEY, study_boards_refresh
from tests.arena.conftest import cast  # noqa: F401  (the fixture)
from tests.leaderboard.test_study_board import CRITERIA, participants_vote
from tests.leaderboard.test_study_board_metrics import noisy_study

pytestmark = pytest.mark.django_db

PAGE = "/leaderboard/correlation/"
API = "/leaderboard/api/correlation/"


@pytest.fixture(autouse=True)
def _few_rounds(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LEADERBOARD_BOOTSTRAP = 100


@pytest.fixture
def study(cast) -> Study:  # noqa: F811
    study = Study.objects.create(
        slug="shapes", title="Shapes", quota=4, min_vote_seconds=0, completion_code="C0DE", criteria=CRITERIA
    )
    study.prompts.set(cast.prompts)
    return study


def publish(study: Study) -> None:
    study.board_public = True
    study.save()


def stored_table(study: Study, criterion: str) -> list[dict]:
    return StudyBoard.objects.filter(study=study, criterion=criterion).latest("id").options["metrics"]


def test_a_public_study_board_shows_its_stored_table_with_intervals(study, client):
    publish(study)
    noisy_study()
    study_boards_refresh()
    data = client.get(API, {"study": "shapes", "criterion": "geometry"}).json()
    assert data["status"] == "ready" and data["study"]["criterion"] == "geometry"
    scope = data["report"]["scopes"][0]
    assert scope["metrics"] == stored_table(study, "geometry") and scope["judges"] is None
    assert scope["label"] == "Shapes · Geometry quality" and data["report"]["rounds"] == 100
    spearman = next(m for m in scope["metrics"] if m["name"] == "shape_score")["aggregations"]["conditional"]
    spearman = spearman["correlation"]["spearman"]
    assert spearman["low"] <= spearman["value"] <= spearman["high"] and spearman["low"] < spearman["high"]
    page = client.get(PAGE, {"study": "shapes", "criterion": "geometry"}).content.decode()
    row = page[page.index('<tr data-metric="shape_score">') :].split("</tr>")[0]
    low, high = floatformat(spearman["low"], 2), floatformat(spearman["high"], 2)
    assert f'<strong>{floatformat(spearman["value"], 2)}</strong> <span class="ci-text">[{low}, {high}]</span>' in row
    # The criteria are links of the same page; the public report's task tabs and downloads are not shown.
    for key in ("fidelity", "geometry", "detail"):
        assert f'href="{PAGE}?study=shapes&amp;criterion={key}"' in page
    assert 'id="task-tabs"' not in page and "download.csv" not in page
    assert json.loads(page.split('id="correlation-data" type="application/json">')[1].split("</script>")[0]) == data


def test_the_study_answer_matches_the_openapi_schema(study, client):
    import jsonschema

    from config.openapi import correlation_schema

    publish(study)
    noisy_study()
    study_boards_refresh()
    jsonschema.validate(client.get(API, {"study": "shapes"}).json(), correlation_schema())


def test_each_criterion_shows_its_own_board(study, client):
    publish(study)
    participants_vote(2)  # X wins every geometry answer and loses every fidelity answer
    study_boards_refresh()
    for criterion in ("geometry", "fidelity"):
        scope = client.get(API, {"study": "shapes", "criterion": criterion}).json()["report"]["scopes"][0]
        assert scope["metrics"] == stored_table(study, criterion)
        board = StudyBoard.objects.filter(study=study, criterion=criterion).latest("id")
        assert [m["model"] for m in scope["models"]] == board.models_order
    assert client.get(API, {"study": "shapes"}).json()["study"]["criterion"] == "fidelity"  # the first by default


def test_a_private_study_board_is_unknown_to_anyone_but_staff(study, client, admin_client):
    participants_vote(1)
    study_boards_refresh()
    private = client.get(API, {"study": "shapes", "criterion": "geometry"})
    missing = client.get(API, {"study": "nothing", "criterion": "geometry"})
    assert private.status_code == missing.status_code == 404
    assert private.json()["error"] == missing.json()["error"].replace("nothing", "shapes")  # nothing tells them apart
    assert client.get(PAGE, {"study": "shapes"}).status_code == 404
    assert admin_client.get(API, {"study": "shapes", "criterion": "geometry"}).json()["status"] == "ready"
    page = admin_client.get(PAGE, {"study": "shapes", "criterion": "geometry"})
    assert page.status_code == 200 and "Shown to staff only." in page.content.decode()


def test_an_unknown_study_or_criterion_is_a_404_naming_it(study, client):
    publish(study)
    study_answer = client.get(API, {"study": "nothing"})
    assert study_answer.status_code == 404
    assert study_answer.json()["error"] == "Unknown study 'nothing' in the query parameter 'study'."
    criterion = client.get(API, {"study": "shapes", "criterion": "colour"})
    assert criterion.status_code == 404
    assert "'colour'" in criterion.json()["error"] and "fidelity, geometry, detail" in criterion.json()["error"]
    assert client.get(PAGE, {"study": "shapes", "criterion": "colour"}).status_code == 404
    study.criteria = []
    study.save()
    single = client.get(API, {"study": "shapes", "criterion": "geometry"}).json()["error"]
    assert "this study asks a single question" in single


def test_before_the_first_board_the_page_waits_and_the_fit_is_scheduled(study, client):
    publish(study)
    assert client.get(API, {"study": "shapes"}).json()["status"] == "empty"
    participants_vote(1)
    cache.delete(PENDING_KEY)
    data = client.get(API, {"study": "shapes"}).json()
    assert data["status"] == "computing" and data["report"] is None and data["updating"] is True
    assert StudyBoard.objects.count() == 0 and cache.get(PENDING_KEY)  # scheduled, not fitted in the request
    assert "The study board is being fitted" in client.get(PAGE, {"study": "shapes"}).content.decode()


def test_a_board_stored_with_the_older_table_layout_hides_it_until_refitted(study, client):
    publish(study)
    participants_vote(1)
    study_boards_refresh()
    old = StudyBoard.objects.filter(criterion="geometry").latest("id")
    old.options = {**old.options, "metrics": [{"name": "executability", "conditional": {}, "votes": {}}],
                   "metrics_fingerprint": "0:"}  # fmt: skip
    old.save()
    data = client.get(API, {"study": "shapes", "criterion": "geometry"}).json()
    assert data["updating"] is True and data["report"]["scopes"][0]["metrics"] == []
    study_boards_refresh()
    assert client.get(API, {"study": "shapes", "criterion": "geometry"}).json()["report"]["scopes"][0]["metrics"]


@pytest.mark.parametrize("slug", ["sha\x00pes", "shapes/../x", "¡"])
def test_a_study_parameter_that_is_no_slug_is_an_unknown_study(study, client, slug):
    publish(study)
    answer = client.get(API, {"study": slug})
    assert answer.status_code == 404 and "Unknown study" in answer.json()["error"]
