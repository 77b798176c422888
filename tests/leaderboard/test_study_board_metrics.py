"""The metric table of a study board: how each automatic metric agrees with one criterion's ratings and answers."""

from __future__ import annotations

import pytest
from django.test import Client

from arena.models import Asset, Battle, Study
from leaderboard.models import StudyBoard
from leaderboard.study_services import study_boards_refresh
from metrics.models import AssetMetric
from tests.arena.conftest import cast  # noqa: F401  (the fixture)
from tests.leaderboard.test_study_board import CRITERIA, X, board, participants_vote, post

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


def coefficients(entry: dict, aggregation: str = "conditional") -> dict:
    return entry["aggregations"][aggregation]["correlation"]


def test_a_metric_that_follows_geometry_agrees_with_its_board_and_opposes_fidelitys(study, admin_client):
    score_assets()
    participants_vote(3)  # X wins every geometry answer and loses every fidelity answer
    study_boards_refresh()
    geometry, fidelity = metric(board(admin_client, "geometry")), metric(board(admin_client, "fidelity"))
    assert coefficients(geometry)["n_models"] == 3 and geometry["direction_assumed"] is True
    assert coefficients(geometry)["spearman"]["value"] > 0 and coefficients(geometry)["pearson"]["value"] > 0
    assert coefficients(fidelity)["spearman"]["value"] < 0 and coefficients(fidelity)["pearson"]["value"] < 0
    # The metric prefers a side only in X's pairs: there it always agrees on geometry, never on fidelity.
    assert geometry["agreement"]["n"] == fidelity["agreement"]["n"] > 0
    assert geometry["agreement"]["accuracy"]["value"] == 1.0 and fidelity["agreement"]["accuracy"]["value"] == 0.0
    assert geometry["agreement"]["accuracy"]["low"] > 0.5 > fidelity["agreement"]["accuracy"]["high"]  # Wilson's
    assert geometry["agreement"]["coverage"] < 1  # the pairs without X: the metric has no preference
    # The tied detail answers decide nothing: no vote to hold the metric to.
    detail = metric(board(admin_client, "detail"))
    assert detail["agreement"]["n_total"] == 0 and detail["agreement"]["accuracy"]["value"] is None
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
    assert fresh["updating"] is False and metric(fresh)["agreement"]["accuracy"]["value"] == 1.0
    assert study_boards_refresh() == []


def test_the_board_and_its_metric_table_stay_staff_only(study, client):
    participants_vote(1)
    study_boards_refresh()
    assert client.get("/study/shapes/api/board/?criterion=geometry").status_code == 403
    assert client.get("/study/shapes/board/?criterion=geometry").status_code == 302


def noisy_study() -> None:
    """Six participants whose geometry answers disagree: X's side (B without X), but a third the other way.

    The metric rises with the asset's id, so each model's assets differ too.
    """
    for k, asset in enumerate(Asset.objects.filter(is_reference=False).select_related("generator").order_by("id")):
        base = 1.0 if asset.generator.name == X else 0.5
        AssetMetric.objects.create(asset=asset, name="shape_score", value=base + 0.1 * k)
    for i in range(6):
        client = Client()
        client.get(f"/study/shapes/?PROLIFIC_PID=noisy{i}")
        client.post("/study/shapes/consent/", {"accept": "yes"})
        for j in range(4):
            served = post(client, "/study/shapes/api/battles/", {})
            battle = Battle.objects.select_related("asset_a__generator").get(public_id=served["a"]["glb"].split("/")[3])
            x_side = "a" if battle.asset_a.generator.name == X else "b"
            other = "b" if x_side == "a" else "a"
            geometry = other if (i + j) % 3 == 0 else x_side
            answers = {"fidelity": "a", "geometry": geometry, "detail": "tie"}
            post(client, "/study/shapes/api/vote/", {"token": served["token"], "answers": answers})


def test_the_coefficients_and_kappa_have_bootstrap_intervals_around_their_estimates(study, admin_client, settings):
    settings.LEADERBOARD_BOOTSTRAP = 200
    noisy_study()
    study_boards_refresh()
    payload = board(admin_client, "geometry")
    entry = metric(payload)
    for aggregation in ("conditional", "penalised"):
        for name in ("pearson", "spearman", "kendall"):
            est = coefficients(entry, aggregation)[name]
            assert est["rounds"] > 0.9 * 200, (aggregation, name, est)
            assert est["low"] <= est["value"] <= est["high"], (aggregation, name, est)
        pearson = coefficients(entry, aggregation)["pearson"]
        assert pearson["high"] - pearson["low"] > 0.05  # noisy votes and assets: no degenerate interval
    kappa = entry["agreement"]["kappa"]
    assert kappa["low"] <= kappa["value"] <= kappa["high"] and kappa["high"] - kappa["low"] > 0.05
    means = entry["aggregations"]["conditional"]["means"]
    assert [m["model"] for m in means] == [row["model"] for row in payload["rows"]]  # the board's order
    assert all(m["low"] <= m["value"] <= m["high"] for m in means)
    assert means[0]["high"] - means[0]["low"] > 0.1  # X's two assets differ: resampling them moves its mean
    page = admin_client.get("/study/shapes/board/?criterion=geometry").content.decode()
    row = page[page.index('<tr data-metric="shape_score">') :].split("</tr>")[0]
    for figure in ("spearman", "pearson", "accuracy", "kappa"):
        assert f'data-figure="{figure}"><strong>' in row and 'class="ci-text">[' in row.split(f'"{figure}"')[1]


def test_the_same_votes_give_the_same_intervals(study, admin_client):
    noisy_study()
    study_boards_refresh()
    first = metric(board(admin_client, "geometry"))
    StudyBoard.objects.all().delete()
    study_boards_refresh()
    assert metric(board(admin_client, "geometry")) == first  # seeded: a paper can cite the table
