"""The correlation page in a real browser: table, charts, board switching, downloads.

The live server speaks WSGI, so the page's websocket never connects here; the
report is computed before the page opens.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from leaderboard import correlation_services
from leaderboard.services import snapshot_compute
from tests.arena.browser_helpers import artifact
from tests.arena.conftest import cast  # noqa: F401  (the fixture)
from tests.leaderboard.test_correlation_page import _cast, _tiny_category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOARDS = [("", ""), ("text-to-3d", ""), ("", "chairs"), ("", "lamps"), ("", "tiny")]
# The page prints coefficients with two decimals.
SHOWN = 0.005 + 1e-9


@pytest.fixture
def api(settings) -> dict[str, Any]:
    """Four models over two categories of prompts, a category with only two, and the stored report."""
    settings.LEADERBOARD_BOOTSTRAP = 50
    _cast(n_prompts=8, n_votes=240, categories=("chairs", "lamps"))
    _tiny_category()
    for task, category in BOARDS:
        assert snapshot_compute(task=task, category=category) is not None
    assert correlation_services.report_compute(rounds=100) is not None
    return Client().get("/leaderboard/api/correlation/").json()


def _scope(api: dict[str, Any], task: str, category: str) -> dict[str, Any]:
    return next(s for s in api["report"]["scopes"] if (s["task"], s["category"]) == (task, category))


def _table(page) -> dict[str, list[str]]:
    """Each row's cells (after the metric's name), by the row's metric."""
    script = "rows => rows.map(r => [r.dataset.metric, [...r.querySelectorAll('td')].map(td => td.innerText.trim())])"
    return dict(page.eval_on_selector_all("#corr-rows tr", script))


def _assert_table_matches(page, scope: dict[str, Any], aggregation: str = "conditional") -> None:
    table = _table(page)
    assert list(table) == [m["name"] for m in scope["metrics"]] + ["human"]
    for metric in scope["metrics"]:
        cells = table[metric["name"]]
        correlation = metric["aggregations"][aggregation]["correlation"]
        if correlation["n_models"] < scope["min_models"]:
            assert cells[0] == "not enough models"
            continue
        for k, name in enumerate(("pearson", "spearman", "kendall")):
            value = correlation[name]["value"]
            if value is None:
                assert cells[k] == "–"
            else:
                assert abs(float(cells[k].split()[0]) - value) <= SHOWN, (metric["name"], name, cells[k])
        assert cells[3] == str(correlation["n_models"])
    assert page.text_content("#caption-scope") == scope["label"]
    assert page.text_content("#stat-votes") == str(scope["n_votes"])


def test_it_shows_the_report_draws_the_charts_and_switches_boards(page, live_server, api):
    overall = _scope(api, "", "")
    page.goto(f"{live_server.url}/leaderboard/correlation/")
    page.wait_for_function("window.correlationState !== undefined && window.correlationState.charted.agreement")
    assert {"chamfer", "executability", "uni3d"} <= {m["name"] for m in overall["metrics"]}
    _assert_table_matches(page, overall)

    # Plotly drew each chart: an SVG with one bar per metric that has a value, one point per model.
    for chart in ("chart-bars", "chart-scatter", "chart-agreement"):
        page.wait_for_selector(f"#{chart}.js-plotly-plot svg.main-svg", state="attached")
        box = page.locator(f"#{chart}").bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150
    spearman = [m["aggregations"]["conditional"]["correlation"]["spearman"]["value"] for m in overall["metrics"]]
    widths = page.eval_on_selector_all("#chart-bars .barlayer .point path", "ps => ps.map(p => p.getBBox().width)")
    assert len(widths) == len(overall["metrics"])
    assert sum(1 for w in widths if w > 0) == sum(1 for value in spearman if value)
    assert page.locator("#chart-scatter .scatterlayer .point").count() == len(overall["models"])
    assert page.locator("#chart-agreement .barlayer .point").count() == sum(1 for m in overall["metrics"]
                                                                            if m["agreement"])  # fmt: skip

    # The penalised means change the numbers without a reload.
    page.select_option("#aggregation-select", "penalised")
    _assert_table_matches(page, overall, "penalised")
    page.select_option("#aggregation-select", "conditional")

    # A task tab.
    page.click("#task-tabs .tab[data-task='text-to-3d']")
    assert page.url.endswith("/leaderboard/correlation/?task=text-to-3d")
    _assert_table_matches(page, _scope(api, "text-to-3d", ""))
    assert page.eval_on_selector_all("#category-select option", "os => os.map(o => o.value)") == [""]

    # Back to all tasks, then a category.
    page.click("#task-tabs .tab[data-task='']")
    assert page.is_hidden("#category-apply")
    options = page.eval_on_selector_all("#category-select option", "os => os.map(o => o.value)")
    assert options == ["", "chairs", "lamps", "tiny"]
    page.select_option("#category-select", "chairs")
    assert page.url.endswith("/leaderboard/correlation/?category=chairs")
    chairs = _scope(api, "", "chairs")
    _assert_table_matches(page, chairs)
    assert page.is_hidden("#too-few-models")
    page.wait_for_function("document.querySelectorAll('#chart-scatter .scatterlayer .point').length === 4")

    # Too few models: said in words, not as a number.
    page.select_option("#category-select", "tiny")
    tiny = _scope(api, "", "tiny")
    _assert_table_matches(page, tiny)
    assert page.is_visible("#too-few-models")
    assert "Not enough models on this board" in page.text_content("#too-few-models")
    assert page.locator("#corr-rows td.not-enough").count() == len(tiny["metrics"])

    page.select_option("#category-select", "chairs")
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifact("correlation.png")), full_page=True)
    assert page.errors == []


def test_it_downloads_the_report_as_csv_and_json(page, live_server, api):
    page.goto(f"{live_server.url}/leaderboard/correlation/?category=lamps")
    page.wait_for_function("window.correlationState !== undefined")
    _assert_table_matches(page, _scope(api, "", "lamps"))

    with page.expect_download() as download:
        page.click("#downloads a[href$='download.csv']")
    assert download.value.suggested_filename == f"arena-correlation-{api['report']['report']}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert {(r["task"], r["category"]) for r in rows} == {(t or "all", c or "all") for t, c in BOARDS}
    lamps = _scope(api, "", "lamps")
    chamfer = next(m for m in lamps["metrics"] if m["name"] == "chamfer")
    spearman = next(r for r in rows if (r["category"], r["metric"], r["aggregation"], r["statistic"])
                    == ("lamps", "chamfer", "conditional", "spearman"))  # fmt: skip
    assert float(spearman["value"]) == pytest.approx(chamfer["aggregations"]["conditional"]["correlation"]
                                                     ["spearman"]["value"])  # fmt: skip

    with page.expect_download() as download:
        page.click("#downloads a[href$='download.json']")
    assert json.loads(Path(download.value.path()).read_text()) == api["report"]
    assert page.errors == []


def test_the_judges_section_renders_alike_on_the_server_and_after_switching_boards(page, live_server, settings,
                                                                                     tmp_path):  # fmt: skip
    from django.core.management import call_command

    from tests.leaderboard.test_correlation_judges import _judgements

    settings.LEADERBOARD_BOOTSTRAP = 50
    _cast(n_prompts=4, n_votes=160)
    for task in ("", "text-to-3d"):
        snapshot_compute(task=task)
    call_command("arena_import_judgements", str(_judgements(tmp_path, judge="honest", honest=True)), "--no-report")
    assert correlation_services.report_compute(rounds=50) is not None
    data = Client().get("/leaderboard/api/correlation/").json()
    script = "rows => rows.map(r => [r.dataset.judge, r.innerText.replace(/\\s+/g, ' ').trim()])"

    page.goto(f"{live_server.url}/leaderboard/correlation/")
    page.wait_for_function("window.correlationState !== undefined && window.correlationState.charted.agreement")
    served = page.eval_on_selector_all("#judges-rows tr", script)
    entries = _scope(data, "", "")["judges"]["entries"]
    assert [name for name, _ in served] == [entry["name"] for entry in entries] + ["human"]
    assert page.is_visible("#judge-boards") and page.is_hidden("#judges-none")
    boards = page.eval_on_selector_all("#judge-boards-head th", "ths => ths.map(th => th.textContent.trim())")
    assert boards == ["Model", "People", "honest"]

    page.click("#task-tabs .tab[data-task='text-to-3d']")
    page.wait_for_function("document.querySelector('#judges-scope').textContent === 'Text to 3D'")
    page.click("#task-tabs .tab[data-task='']")
    page.wait_for_function("document.querySelector('#judges-scope').textContent === 'All tasks'")
    assert page.eval_on_selector_all("#judges-rows tr", script) == served  # the module draws what the server drew
    assert page.errors == []


def test_a_study_boards_criterion_renders_its_stored_table_and_charts(page, live_server, cast):  # noqa: F811
    from arena.models import Study
    from leaderboard.study_services import study_boards_refresh
    from tests.leaderboard.test_study_board import CRITERIA
    from tests.leaderboard.test_study_board_metrics import noisy_study

    study = Study.objects.create(slug="shapes", title="Shapes", quota=4, min_vote_seconds=0, completion_code="C0DE",
                                 criteria=CRITERIA, board_public=True)  # fmt: skip
    study.prompts.set(cast.prompts)
    noisy_study()
    study_boards_refresh()
    data = Client().get("/leaderboard/api/correlation/?study=shapes&criterion=geometry").json()
    scope = data["report"]["scopes"][0]

    page.goto(f"{live_server.url}/leaderboard/correlation/?study=shapes&criterion=geometry")
    page.wait_for_function("window.correlationState !== undefined && window.correlationState.charted.agreement")
    table = _table(page)
    assert list(table) == [m["name"] for m in scope["metrics"]]  # no annotator ceiling on a study board
    for metric in scope["metrics"]:
        spearman = metric["aggregations"]["conditional"]["correlation"]["spearman"]["value"]
        shown = table[metric["name"]][1]
        assert shown == "–" if spearman is None else abs(float(shown.split()[0]) - spearman) <= SHOWN
    assert table["shape_score"][1] != "–"  # the metric that varies has its coefficient and interval
    assert "[" in table["shape_score"][1]
    assert page.text_content("#caption-scope") == "Shapes · Geometry quality"
    assert page.locator("#chart-bars .barlayer .point").count() == len(scope["metrics"])
    assert page.locator("#chart-scatter .scatterlayer .point").count() == len(scope["models"])
    assert page.locator("#chart-agreement .barlayer .point").count() == len(scope["metrics"])

    # A refresh reads this board again, not the public report.
    page.evaluate("window.correlationRefresh()")
    page.wait_for_function("window.correlationState.refreshes === 1")
    assert page.evaluate("window.correlationState.data.report.scopes[0].study") == "shapes"
    assert list(_table(page)) == list(table)

    page.click("#criterion-tabs .tab[data-criterion='fidelity']")
    page.wait_for_function("window.correlationState !== undefined && window.correlationState.charted.agreement")
    assert page.url.endswith("?study=shapes&criterion=fidelity")
    assert page.text_content("#caption-scope") == "Shapes · Prompt fidelity"
    assert page.errors == []
