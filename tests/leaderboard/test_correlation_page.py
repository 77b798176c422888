"""The correlation report (computed by the service) and the page and downloads that read it."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client

from arena.models import Annotator, Asset, Battle, Generator, Prompt, Status, Vote
from leaderboard import correlation as corr
from leaderboard import correlation_services
from leaderboard.models import CorrelationReport
from leaderboard.services import snapshot_compute
from metrics.models import AssetMetric, GeneratorMetric

pytestmark = pytest.mark.django_db

# Four models, strongest first; their Chamfer distances grow as they get worse.
STRENGTH = {"Atlas": 2.0, "Birch": 1.0, "Cobalt": 0.0, "Dune": -1.0}
CHAMFER = {"Atlas": 0.01, "Birch": 0.02, "Cobalt": 0.04, "Dune": 0.08}


def _cast(n_prompts: int = 6, n_votes: int = 160, seed: int = 0, categories: tuple[str, ...] = ("",)) -> None:
    """Prompts with one asset per model, metrics that track strength, and votes (two annotators).

    Prompt ``p`` is in ``categories[p % len(categories)]``.
    """
    rng = np.random.default_rng(seed)
    gens = {name: Generator.objects.create(name=name) for name in STRENGTH}
    assets: dict[tuple[int, str], Asset] = {}
    for p in range(n_prompts):
        category = categories[p % len(categories)]
        prompt = Prompt.objects.create(slug=f"thing-{p}", task="text-to-3d", text="A thing", category=category)
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
    assert sections == {"rating", "mean", "correlation", "vote-agreement", "human-agreement", "judge"}
    pearson = [r for r in rows if r["metric"] == "chamfer" and r["statistic"] == "pearson" and r["task"] == "all"]
    assert {r["aggregation"] for r in pearson} == {"conditional", "penalised"}
    assert float(pearson[0]["low"]) <= float(pearson[0]["value"]) <= float(pearson[0]["high"])


# ---------------------------------------------------------------------------
# Category boards
# ---------------------------------------------------------------------------


def _tiny_category() -> None:
    """A category where only two models were compared: too few to correlate."""
    prompt = Prompt.objects.create(slug="tiny-0", task="text-to-3d", text="A tiny thing", category="tiny")
    annotator = Annotator.objects.create()
    assets = {}
    for name in ("Atlas", "Birch"):
        assets[name] = Asset.objects.create(prompt=prompt, generator=Generator.objects.get(name=name), status=Status.OK)
        AssetMetric.objects.create(asset=assets[name], name="chamfer", value=CHAMFER[name])
    atlas, birch = assets["Atlas"], assets["Birch"]
    for winner in ("a", "a", "b"):
        battle = Battle.objects.create(prompt=prompt, asset_a=atlas, asset_b=birch, annotator=annotator,
                                       strategy="uniform")  # fmt: skip
        Vote.objects.create(battle=battle, winner=winner, prompt=prompt, generator_a=atlas.generator,
                            generator_b=birch.generator, annotator=annotator, seconds_to_vote=5.0)  # fmt: skip


@pytest.fixture
def category_report(settings) -> CorrelationReport:
    settings.LEADERBOARD_BOOTSTRAP = 50
    _cast(n_prompts=8, n_votes=240, categories=("chairs", "lamps"))
    _tiny_category()
    for task, category in [("", ""), ("text-to-3d", ""), ("", "chairs"), ("", "lamps"), ("", "tiny")]:
        assert snapshot_compute(task=task, category=category) is not None
    result = correlation_services.report_compute(rounds=100)
    assert result is not None
    return result


def _scope(report: CorrelationReport, task: str, category: str) -> dict:
    return next(s for s in report.report["scopes"] if (s["task"], s["category"]) == (task, category))


def test_it_correlates_every_category_board_on_its_own_votes_and_assets(category_report):
    boards = [(s["task"], s["category"]) for s in category_report.report["scopes"]]
    assert boards == [("", ""), ("text-to-3d", ""), ("", "chairs"), ("", "lamps"), ("", "tiny")]
    chairs = _scope(category_report, "", "chairs")
    assert chairs["label"] == "All tasks · chairs" and chairs["enough_models"]
    decided = Vote.objects.filter(prompt__category="chairs", winner__in=["a", "b"]).count()
    assert chairs["n_decided_votes"] == decided < _scope(category_report, "", "")["n_decided_votes"]
    assert [m["n_assets"] for m in chairs["models"]] == [4, 4, 4, 4]  # 4 of the 8 prompts, one asset each
    chamfer = next(m for m in chairs["metrics"] if m["name"] == "chamfer")
    assert chamfer["aggregations"]["conditional"]["correlation"]["spearman"]["value"] > 0.5
    # Model-level imports belong to task boards, not to a category.
    assert "uni3d" not in [m["name"] for m in chairs["metrics"]]


def test_it_says_not_enough_models_instead_of_a_coefficient(category_report):
    tiny = _scope(category_report, "", "tiny")
    assert not tiny["enough_models"] and tiny["min_models"] == 3 and len(tiny["models"]) == 2
    chamfer = next(m for m in tiny["metrics"] if m["name"] == "chamfer")
    assert all(chamfer["aggregations"]["conditional"]["correlation"][c]["value"] is None for c in corr.COEFFICIENTS)
    html = Client().get("/leaderboard/correlation/?category=tiny").content.decode()
    assert 'data-category="tiny"' in html
    assert "Not enough models on this board for a correlation" in html
    assert html.count("not enough models</span>") == len(tiny["metrics"])
    chairs = Client().get("/leaderboard/correlation/?category=chairs").content.decode()
    assert "not enough models</span>" not in chairs
    assert '<option value="chairs" selected>' in chairs and "All tasks · chairs" in chairs


def test_it_offers_only_the_categories_of_the_chosen_task(category_report):
    html = Client().get("/leaderboard/correlation/?task=text-to-3d&category=chairs").content.decode()
    # There is no text-to-3d × chairs board: the task's own board is shown, with no category to pick.
    assert 'data-task="text-to-3d" data-category=""' in html
    assert '<option value="chairs"' not in html


def test_it_downloads_category_boards_in_csv(category_report):
    rows = list(csv.DictReader(io.StringIO(Client().get("/leaderboard/correlation/download.csv").content.decode())))
    assert {(r["task"], r["category"]) for r in rows} == {
        ("all", "all"), ("text-to-3d", "all"), ("all", "chairs"), ("all", "lamps"), ("all", "tiny")
    }  # fmt: skip
    tiny = [r for r in rows if r["category"] == "tiny" and r["section"] == "correlation"]
    assert tiny and all(r["value"] == "" and r["n"] == "2" for r in tiny)
    api = Client().get("/leaderboard/api/correlation/").json()
    assert _scope(category_report, "", "lamps") == next(s for s in api["report"]["scopes"] if s["category"] == "lamps")


# ---------------------------------------------------------------------------
# Direction of imported metrics
# ---------------------------------------------------------------------------


def _import_error_rate(tmp_path, direction: str) -> None:
    """An imported per-asset metric that, like the Chamfer distance, is lower for stronger models."""
    lines = ["model,prompt,metric,value" + (",direction" if direction else "")]
    for metric in AssetMetric.objects.filter(name="chamfer").select_related("asset__generator", "asset__prompt"):
        row = f"{metric.asset.generator.name},{metric.asset.prompt.slug},error_rate,{metric.value}"
        lines.append(row + (f",{direction}" if direction else ""))
    path = tmp_path / "error_rate.csv"
    path.write_text("\n".join(lines) + "\n")
    call_command("arena_import_metrics", str(path), "--no-report")


@pytest.mark.parametrize("direction", ["lower", ""])
def test_it_orients_and_penalises_an_imported_metric_by_its_declared_direction(settings, tmp_path, direction):
    settings.LEADERBOARD_BOOTSTRAP = 50
    _cast()
    snapshot_compute(task="")
    _import_error_rate(tmp_path, direction)
    report = correlation_services.report_compute(rounds=50)
    assert report is not None
    metric = _metric(report, "", "error_rate")
    chamfer = _metric(report, "", "chamfer")
    assert metric["higher_is_better"] is (direction == "")
    assert metric["direction_assumed"] is (direction == "")
    spearman = metric["aggregations"]["conditional"]["correlation"]["spearman"]["value"]
    # The same values as the Chamfer distance: the same agreement once oriented, the opposite if not.
    assert spearman == pytest.approx(chamfer["aggregations"]["conditional"]["correlation"]["spearman"]["value"]
                                     * (1 if direction else -1))  # fmt: skip
    # Dune failed one of its 6 assets: the failure counts as the worst value seen on the board.
    values = [m.value for m in AssetMetric.objects.filter(name="error_rate")]
    dune = [m.value for m in AssetMetric.objects.filter(name="error_rate", asset__generator__name="Dune")]
    worst = max(values) if direction else min(values)
    dune_mean = next(m for m in metric["aggregations"]["penalised"]["means"] if m["model"] == "Dune")["value"]
    assert dune_mean == pytest.approx((sum(dune) + worst) / 6)
