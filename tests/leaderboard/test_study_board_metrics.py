"""The metric table of a study board: how each automatic metric agrees with one criterion's ratings and answers."""

from __future__ import annotations

import pytest

from arena.models import Asset, Study
from leaderboard.study_services import study_boards_refresh
from metrics.models import AssetMetric
from tests.arena.conftest import cast  # noqa: F401  (the fixture)
from tests.leaderboard.test_study_board import CRITERIA, X, board, participants_vote

pytestmark = pytest.mark.django_db


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


def score_assets() -> None:
    """A metric that puts X's assets above every other (the others level): it follows the geometry answers."""
    for asset in Asset.objects.filter(is_reference=False).select_related("generator"):
        AssetMetric.objects.create(asset=asset, name="shape_score", value=1.0 if asset.generator.name == X else 0.5)


def metric(payload: dict, name: str = "shape_score") -> dict:
    return next(m for m in payload["options"]["metrics"] if m["name"] == name)


def test_a_metric_that_follows_geometry_agrees_with_its_board_and_opposes_fidelitys(study, admin_client):
    score_assets()
    participants_vote(3)  # X wins every geometry answer and loses every fidelity answer
    study_boards_refresh()
    geometry, fidelity = metric(board(admin_client, "geometry")), metric(board(admin_client, "fidelity"))
    assert geometry["conditional"]["n_models"] == 3 and geometry["direction_assumed"] is True
    assert geometry["conditional"]["spearman"] > 0 and geometry["conditional"]["pearson"] > 0
    assert fidelity["conditional"]["spearman"] < 0 and fidelity["conditional"]["pearson"] < 0
    # The metric prefers a side only in X's pairs: there it always agrees on geometry, never on fidelity.
    assert geometry["votes"]["n"] == fidelity["votes"]["n"] > 0
    assert geometry["votes"]["accuracy"]["estimate"] == 1.0 and fidelity["votes"]["accuracy"]["estimate"] == 0.0
    assert geometry["votes"]["accuracy"]["low"] > 0.5 > fidelity["votes"]["accuracy"]["high"]
    assert geometry["votes"]["coverage"] < 1  # the pairs without X: the metric has no preference
    # The tied detail answers decide nothing: no vote to hold the metric to.
    detail = metric(board(admin_client, "detail"))
    assert detail["votes"]["decided"] == 0 and detail["votes"]["accuracy"] is None
    page = admin_client.get("/study/shapes/board/?criterion=geometry").content.decode()
    assert 'id="metric-agreement"' in page and 'data-metric="shape_score"' in page
    assert 'data-metric="executability"' in page


def test_metrics_stored_later_refit_the_table_in_the_background(study, admin_client):
    participants_vote(2)
    study_boards_refresh()
    assert [m["name"] for m in board(admin_client, "geometry")["options"]["metrics"]] == ["executability"]
    score_assets()
    assert board(admin_client, "geometry")["updating"] is True  # scheduled, not computed in the request
    study_boards_refresh()
    fresh = board(admin_client, "geometry")
    assert fresh["updating"] is False and metric(fresh)["votes"]["accuracy"]["estimate"] == 1.0
    assert study_boards_refresh() == []


def test_the_board_and_its_metric_table_stay_staff_only(study, client):
    participants_vote(1)
    study_boards_refresh()
    assert client.get("/study/shapes/api/board/?criterion=geometry").status_code == 403
    assert client.get("/study/shapes/board/?criterion=geometry").status_code == 302
