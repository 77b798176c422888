"""The leaderboard page in a real browser: charts, hover, live refresh in place.

The live server speaks WSGI, so the page's websocket never connects here; the
refresh that a websocket message would trigger is called directly.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from arena.models import Task
from leaderboard.models import Snapshot
from leaderboard.selectors import latest_snapshot
from leaderboard.services import snapshot_compute
from tests.arena.browser_helpers import artifact
from tests.leaderboard.test_board_page import boards_compute, votes_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Hidden strengths on the Elo scale; Quartz-Nano gets too few votes to be rated firmly.
STRENGTHS = {
    "Helios-Pro": 1120,
    "Orca-Large": 1100,
    "Sable-4": 1040,
    "Tern-Mini": 960,
    "Umber-2": 900,
    "Quartz-Nano": 980,
}
CHARTS = ["chart-ratings", "chart-winrate", "chart-counts", "chart-history"]


def simulated_results(n_votes: int, *, seed: int, models: dict[str, int]) -> list[tuple[str, str, str, int]]:
    """Votes drawn from a Bradley–Terry model, with some ties and both-bad votes."""
    rng = random.Random(seed)
    names = [name for name in models if name != "Quartz-Nano"]
    results = []
    for _ in range(n_votes):
        a, b = rng.sample(names, 2)
        p_a = 1 / (1 + 10 ** ((models[b] - models[a]) / 400))
        draw = rng.random()
        winner = "tie" if draw < 0.08 else "both_bad" if draw < 0.12 else ("a" if rng.random() < p_a else "b")
        results.append((a, b, winner, 1))
    if "Quartz-Nano" in models:  # ten votes, half of them won
        results += [("Quartz-Nano", names[k % len(names)], "ab"[k % 2], 1) for k in range(10)]
    return results


@pytest.fixture(autouse=True)
def _fast_board(settings):
    settings.LEADERBOARD_BOOTSTRAP = 100
    settings.LEADERBOARD_MIN_VOTES = 20


def open_board(page, live_server, query: str = "") -> None:
    page.goto(f"{live_server.url}/leaderboard/{query}")
    page.wait_for_function("window.leaderboardState !== undefined")


def table_models(page) -> list[str]:
    return page.eval_on_selector_all("#ranking-rows tr", "rows => rows.map(r => r.dataset.model)")


def test_it_draws_the_four_charts_with_hover_and_saves_a_screenshot(page, live_server):
    settled = {name: strength for name, strength in STRENGTHS.items() if name != "Quartz-Nano"}
    for batch in range(6):  # six snapshots for the history chart; Quartz-Nano arrives last
        votes_add(simulated_results(70, seed=batch, models=STRENGTHS if batch == 5 else settled))
        snapshot_compute(task="", category="")
    board = latest_snapshot(task="", category="")
    open_board(page, live_server)
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}.js-plotly-plot svg.main-svg", state="attached")
    page.wait_for_function("window.leaderboardState.charted.history === true")
    page.wait_for_selector("#chart-history .scatterlayer .trace .point", state="attached")
    assert page.locator("#chart-ratings .scatterlayer .point").count() == len(board.rows)
    assert page.locator("#chart-winrate .heatmaplayer image").count() == 1
    assert page.locator("#chart-history .scatterlayer .trace").count() == len(board.rows)
    assert page.evaluate("window.leaderboardState.history.length") == 6
    assert table_models(page) == board.models_order

    page.locator("#chart-ratings .scatterlayer .point").first.hover(force=True)
    hover = page.wait_for_selector("#chart-ratings .hoverlayer .hovertext")
    top = board.rows[0]
    assert f"Rating {round(top['rating'])}" in hover.text_content()
    assert "95% interval" in hover.text_content()

    box = page.locator("#chart-winrate .nsewdrag").bounding_box()
    n = len(board.models_order)
    page.mouse.move(box["x"] + 1.5 * box["width"] / n, box["y"] + 0.5 * box["height"] / n)  # row 1, column 2
    hover = page.wait_for_selector("#chart-winrate .hoverlayer .hovertext")
    won = round(100 * board.win_matrix[0][1])
    assert f"{board.models_order[0]} won {won}% of {board.count_matrix[0][1]} battles" in hover.text_content()

    assert page.locator("#chart-ratings .modebar-btn[data-title='Download plot as a PNG']").count() == 1
    with page.expect_download() as download:
        page.click(".svg-download[data-chart='winrate']")
    assert download.value.suggested_filename.endswith(".svg")
    assert "<svg" in Path(download.value.path()).read_text()[:200]

    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifact("leaderboard.png")), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(800)  # the charts redraw for the new width
    page.screenshot(path=str(artifact("leaderboard-phone.png")), full_page=True)
    assert page.errors == []


def test_it_updates_the_table_and_charts_in_place_on_refresh(page, live_server):
    votes_add(simulated_results(300, seed=5, models=STRENGTHS))
    boards_compute()
    before = latest_snapshot(task="", category="")
    open_board(page, live_server)
    page.wait_for_selector("#chart-ratings.js-plotly-plot svg.main-svg", state="attached")
    page.evaluate("document.getElementById('ranking-rows').dataset.sameElement = 'yes'")
    assert page.evaluate("window.leaderboardRefresh()") is False  # nothing new yet

    # A newcomer wins a lot: it enters the board, and the counts change.
    newcomer = {"Vesper-XL": 1300, "Helios-Pro": 1120, "Umber-2": 900, "Tern-Mini": 960}
    votes_add(simulated_results(60, seed=8, models=newcomer))
    boards_compute()
    after = latest_snapshot(task="", category="")
    assert after.n_votes > before.n_votes

    assert page.evaluate("window.leaderboardRefresh()") is True
    assert page.evaluate("document.getElementById('ranking-rows').dataset.sameElement") == "yes"  # no reload
    assert table_models(page) == after.models_order and "Vesper-XL" in table_models(page)
    assert page.text_content("#caption-votes") == str(after.n_votes)
    assert page.text_content("#methods-snapshot") == after.public_id
    assert page.text_content("#methods-hash") == after.votes_hash
    assert page.get_attribute("#methods-json", "href") == f"/leaderboard/api/snapshots/{after.public_id}/"
    assert page.text_content("#board-status").startswith("Updated just now")
    vesper = next(row for row in after.rows if row["model"] == "Vesper-XL")
    shown = page.text_content("#ranking-rows tr[data-model='Vesper-XL'] .col-rating")
    assert shown.strip() == str(round(vesper["rating"]))
    assert page.locator("#chart-ratings .scatterlayer .point").count() == len(after.rows)
    assert page.evaluate("window.leaderboardState.history.length") == 2

    page.click("[data-history-x='time']")
    assert page.evaluate("document.getElementById('chart-history')._fullLayout.xaxis.type") == "date"
    assert page.locator("#chart-history .scatterlayer .point").count() == 2 * len(after.rows) - 1  # Vesper is new
    assert page.errors == []


def test_it_refreshes_by_itself_when_the_socket_announces_new_snapshots(page, live_server):
    sockets = []
    page.route_web_socket("**/ws/leaderboard/", lambda socket: sockets.append(socket))  # the ASGI server's part
    votes_add(simulated_results(120, seed=9, models=STRENGTHS))
    boards_compute()
    open_board(page, live_server, "?task=text-to-3d")
    page.wait_for_function("window.leaderboardState.charted.ratings === true")
    assert sockets, "the page did not open its websocket"

    votes_add(simulated_results(40, seed=10, models=STRENGTHS))
    boards_compute()
    fresh = latest_snapshot(task=Task.TEXT, category="")
    sockets[-1].send(json.dumps({"snapshots": [fresh.public_id]}))
    page.wait_for_function("(id) => window.leaderboardState.board.snapshot === id", arg=fresh.public_id)
    assert page.text_content("#methods-snapshot") == fresh.public_id
    assert page.text_content("#caption-votes") == str(fresh.n_votes)
    assert table_models(page) == fresh.models_order
    assert page.url.endswith("/leaderboard/?task=text-to-3d")  # same board, no navigation
    assert page.errors == []


def test_it_fills_an_empty_board_in_place_when_the_first_snapshot_lands(page, live_server):
    open_board(page, live_server, "?task=text-to-3d")
    assert page.is_visible("#board-empty") and not page.is_visible("#board-body")
    assert "No votes yet — vote in the arena" in page.text_content("#board-empty h2")

    votes_add(simulated_results(80, seed=2, models=STRENGTHS))
    boards_compute()
    assert page.evaluate("window.leaderboardRefresh()") is True
    assert page.is_hidden("#board-empty") and page.is_visible("#ranking")
    assert table_models(page) == Snapshot.objects.get(task=Task.TEXT, category="").models_order
    page.wait_for_selector("#chart-winrate.js-plotly-plot svg.main-svg", state="attached")
    assert page.errors == []


def test_it_switches_boards_from_the_category_filter(page, live_server):
    votes_add(simulated_results(60, seed=4, models=STRENGTHS))
    votes_add([("Helios-Pro", "Orca-Large", "a", 5)], category="vehicles")
    boards_compute()
    snapshot_compute(task="", category="vehicles")
    open_board(page, live_server, "?task=text-to-3d")
    assert page.is_hidden("#category-apply")
    with page.expect_navigation():
        page.select_option("#category-select", "vehicles")
    assert page.url.endswith("/leaderboard/?task=text-to-3d&category=vehicles")
    assert page.get_attribute(".tab[aria-current='page']", "href") == "/leaderboard/?task=text-to-3d&category=vehicles"
    page.click(".tab:has-text('Overall')")
    page.wait_for_url("**/leaderboard/?category=vehicles")
    assert table_models(page) == Snapshot.objects.get(task="", category="vehicles").models_order
    assert page.errors == []


def test_it_shows_the_table_without_javascript(browser, live_server):
    votes_add(simulated_results(60, seed=6, models=STRENGTHS))
    boards_compute()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/leaderboard/")
    assert table_models(page) == latest_snapshot(task="", category="").models_order
    assert page.is_visible("#category-apply") and page.is_hidden("#chart-grid")
    assert "The interactive charts need JavaScript" in page.inner_text("section.charts")
    context.close()


def test_it_opens_a_family_board_from_its_tab_and_refreshes_that_board(page, live_server):
    from arena.models import Prompt

    votes_add(simulated_results(60, seed=11, models=STRENGTHS), category="ArmChair")
    votes_add(simulated_results(40, seed=12, models=STRENGTHS), category="BrainCoral")
    Prompt.objects.filter(category="ArmChair").update(family="manufactured")
    Prompt.objects.filter(category="BrainCoral").update(family="organic")
    organic = snapshot_compute(task=Task.TEXT, family="organic")
    open_board(page, live_server, "?task=text-to-3d")
    with page.expect_navigation():
        page.click("#family-tabs .tab[data-family='organic']")
    assert page.url.endswith("/leaderboard/?task=text-to-3d&family=organic")
    assert page.text_content("#stat-votes") == str(organic.n_votes) and table_models(page) == organic.models_order

    votes_add(simulated_results(20, seed=13, models=STRENGTHS), category="BrainCoral")
    votes_add(simulated_results(30, seed=14, models=STRENGTHS), category="ArmChair")
    snapshot_compute(task=Task.TEXT)
    fresh = snapshot_compute(task=Task.TEXT, family="organic")
    assert page.evaluate("window.leaderboardRefresh()") is True  # the organic board, not the task's
    assert page.text_content("#caption-votes") == str(fresh.n_votes) != str(organic.n_votes)
    assert page.text_content("#methods-snapshot") == fresh.public_id
    assert page.errors == []


def test_it_shows_after_a_refresh_the_rows_that_the_server_renders(browser, page, live_server):
    votes_add(simulated_results(120, seed=15, models=STRENGTHS))
    boards_compute()
    open_board(page, live_server)
    votes_add(simulated_results(60, seed=16, models={"Vesper-XL": 1300, "Helios-Pro": 1120, "Umber-2": 900}))
    boards_compute()
    assert page.evaluate("window.leaderboardRefresh()") is True

    # The same board read without JavaScript: the server's rendering alone.
    context = browser.new_context(java_script_enabled=False)
    served = context.new_page()
    served.goto(f"{live_server.url}/leaderboard/")
    rows = "rows => rows.map(r => [r.dataset.model, r.classList.contains('is-provisional'), r.innerHTML])"
    shown, rendered = (p.eval_on_selector_all("#ranking-rows tr", rows) for p in (page, served))
    assert len(shown) >= 6 and shown == rendered
    assert page.get_attribute("#ranking", "style") == served.get_attribute("#ranking", "style")
    assert page.inner_html("#methods") == served.inner_html("#methods")
    context.close()
    assert page.errors == []


def test_the_complexity_section_refreshes_and_stays_open(page, live_server):
    votes_add(simulated_results(120, seed=17, models=STRENGTHS))
    boards_compute()
    open_board(page, live_server)
    page.click("#controlled summary")
    assert page.get_attribute("#controlled", "open") is not None
    before = page.get_attribute("#controlled-rows", "data-snapshot")
    votes_add(simulated_results(60, seed=18, models=STRENGTHS))
    boards_compute()
    assert page.evaluate("window.leaderboardRefresh()") is True
    assert page.get_attribute("#controlled", "open") is not None  # the reader's choice survives
    fresh = Snapshot.objects.filter(task="", family="", category="").latest("id")
    assert page.get_attribute("#controlled-rows", "data-snapshot") == fresh.public_id != before
    assert page.locator("#controlled-coefficients tr[data-feature='triangles']").count() == 1
    assert page.errors == []
