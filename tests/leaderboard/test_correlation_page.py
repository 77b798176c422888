"""The correlation report (computed by the service) and the page and downloads that read it."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from django.test import Client

from arena.models import Annotator, Asset, Battle, Generator, Prompt, Status, Vote
from leaderboard import correlation_services
from leaderboard.services import snapshot_compute
from renderer.models import AssetMetric, CorrelationReport, GeneratorMetric

pytestmark = pytest.mark.django_db

# Four models, strongest first; their Chamfer distances grow as they get worse.
STRENGTH = {"Atlas": 2.0, "Birch": 1.0, "Cobalt": 0.0, "Dune": -1.0}
CHAMFER = {"Atlas": 0.01, "Birch": 0.02, "Cobalt": 0.04, "Dune": 0.08}


def _cast(n_prompts: int = 6, n_votes: int = 160, seed: int = 0) -> None:
    """Prompts with one asset per model, metrics that track strength, and votes (two annotators)."""
    rng = np.random.default_rng(seed)
    gens = {name: Generator.objects.create(name=name) for name in STRENGTH}
    assets: dict[tuple[int, str], Asset] = {}
    for p in range(n_prompts):
        prompt = Prompt.objects.create(slug=f"thing-{p}", task="text-to-3d", text="A thing")
        Asset.objects.create(prompt=prompt, is_reference=True, status=Status.OK)
        for name, gen in gens.items():
            failed = name == "Dune" and p == 0
            asset = Asset.objects.create(prompt=prompt, generator=gen, status=Status.ERR_EXEC if failed else Status.OK)
            assets[(p, name)] = asset
            AssetMetric.objects.create(asset=asset, name="executability", value=0.0 if failed else 1.0)
            if not failed:
                AssetMetric.objects.create(asset=asset, name="chamfer", value=CHAMFER[name] * (1 + 0.2 * rng.random()))
    GeneratorMetric.objects.create(generator=gens["Atlas"], task="", name="uni3d", value=0.9)
    GeneratorMetric.objects.create(generator=gens["Birch"], task="", name="uni3d", value=0.8)
    GeneratorMetric.objects.create(generator=gens["Cobalt"], task="", name="uni3d", value=0.5)
    GeneratorMetric.objects.create(generator=gens["Dune"], task="", name="uni3d", value=0.6)
    annotators = [Annotator.objects.create(), Annotator.objects.create()]
    names = list(STRENGTH)
    for k in range(n_votes):
        a, b = rng.choice(names, size=2, replace=False)
        p = int(rng.integers(n_prompts))
        prob = 1 / (1 + np.exp(STRENGTH[b] - STRENGTH[a]))
        winner = "tie" if rng.random() < 0.05 else ("a" if rng.random() < prob else "b")
        asset_a, asset_b = assets[(p, a)], assets[(p, b)]
        annotator = annotators[k % 2]
        battle = Battle.objects.create(prompt=asset_a.prompt, asset_a=asset_a, asset_b=asset_b, annotator=annotator,
                                       strategy="uniform")  # fmt: skip
        Vote.objects.create(battle=battle, winner=winner, prompt=asset_a.prompt, generator_a=gens[a],
                            generator_b=gens[b], annotator=annotator, seconds_to_vote=5.0)  # fmt: skip


@pytest.fixture
def report(settings) -> CorrelationReport:
    settings.LEADERBOARD_BOOTSTRAP = 50
    _cast()
    snapshot_compute(task="")
    snapshot_compute(task="text-to-3d")
    result = correlation_services.report_compute(rounds=100)
    assert result is not None
    return result


def _metric(report: CorrelationReport, task: str, name: str) -> dict:
    scope = next(s for s in report.report["scopes"] if s["task"] == task)
    return next(m for m in scope["metrics"] if m["name"] == name)


def test_it_correlates_metrics_with_the_ratings_per_task_and_overall(report):
    assert [s["task"] for s in report.report["scopes"]] == ["", "text-to-3d"]
    chamfer = _metric(report, "", "chamfer")
    for aggregation in ("conditional", "penalised"):
        block = chamfer["aggregations"][aggregation]["correlation"]
        assert block["n_models"] == 4
        for name in ("pearson", "spearman", "kendall"):
            est = block[name]
            assert est["value"] > 0.5  # lower distance for stronger models: sign flipped to agreement
            assert est["low"] <= est["value"] <= est["high"]
    assert (
        chamfer["aggregations"]["penalised"]["means"][3]["value"]
        > chamfer["aggregations"]["conditional"]["means"][3]["value"]
    )


def test_it_scores_vote_level_agreement_and_the_human_ceiling(report):
    chamfer = _metric(report, "text-to-3d", "chamfer")
    agreement = chamfer["agreement"]
    assert agreement["n"] > 100
    assert 0.5 < agreement["accuracy"]["value"] <= 1.0
    assert agreement["accuracy"]["low"] <= agreement["accuracy"]["value"] <= agreement["accuracy"]["high"]
    scope = report.report["scopes"][1]
    assert scope["human_agreement"]["pairs_of_votes"] > 0
    assert scope["human_agreement"]["accuracy"]["value"] is not None


def test_it_uses_imported_model_level_values_only_where_they_belong(report):
    uni3d = _metric(report, "", "uni3d")
    assert uni3d["level"] == "model"
    assert uni3d["aggregations"]["conditional"]["correlation"]["n_models"] == 4
    text_scope = report.report["scopes"][1]
    assert "uni3d" not in [m["name"] for m in text_scope["metrics"]]


def test_it_does_not_recompute_an_unchanged_report(report):
    assert correlation_services.report_compute(rounds=100).id == report.id


def test_it_shows_computing_until_a_report_exists(settings):
    settings.LEADERBOARD_BOOTSTRAP = 20
    _cast(n_prompts=2, n_votes=30)
    snapshot_compute(task="")
    page = Client().get("/leaderboard/correlation/")
    assert page.status_code == 200
    assert "Computing…" in page.content.decode()
    assert Client().get("/leaderboard/correlation/download.csv").status_code == 404


def test_it_renders_the_page_with_metrics_and_the_learned_metrics_note(report):
    page = Client().get("/leaderboard/correlation/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Chamfer distance (no rotation)" in html
    assert "Executability" in html
    assert "How to add learned metrics" in html
    assert "METRICS_WEIGHTS_DIR" in html
    assert 'id="correlation-data"' in html
    task_page = Client().get("/leaderboard/correlation/?task=text-to-3d").content.decode()
    assert 'data-task="text-to-3d"' in task_page
    assert Client().get("/leaderboard/correlation/?task=nope").status_code == 404


def test_it_serves_the_report_as_json_for_the_page(report):
    data = Client().get("/leaderboard/api/correlation/").json()
    assert data["status"] == "ready"
    assert data["report"]["report"] == report.public_id
    assert data["learned"]["missing"] == ["siglip", "dino"]


def test_it_downloads_everything_as_json_and_csv(report):
    response = Client().get("/leaderboard/correlation/download.json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["scopes"][0]["metrics"]
    response = Client().get("/leaderboard/correlation/download.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    sections = {row["section"] for row in rows}
    assert sections == {"rating", "mean", "correlation", "vote-agreement", "human-agreement"}
    pearson = [r for r in rows if r["metric"] == "chamfer" and r["statistic"] == "pearson" and r["task"] == "all"]
    assert {r["aggregation"] for r in pearson} == {"conditional", "penalised"}
    assert float(pearson[0]["low"]) <= float(pearson[0]["value"]) <= float(pearson[0]["high"])
