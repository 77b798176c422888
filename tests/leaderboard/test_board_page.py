"""The public leaderboard page, rendered on the server (it must work without JavaScript)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from arena.models import Task
from leaderboard.models import Snapshot
from leaderboard.services import snapshot_compute
from tests.leaderboard.conftest import make_votes

pytestmark = pytest.mark.django_db

# (model a, model b, winner, how many): Atlas and Birch are close enough to
# share a rank, Cobalt trails, Dune has only a handful of votes (provisional).
RESULTS = [
    ("Atlas-7", "Birch-2", "a", 9),
    ("Atlas-7", "Birch-2", "b", 8),
    ("Atlas-7", "Birch-2", "tie", 3),
    ("Atlas-7", "Cobalt-5", "a", 16),
    ("Atlas-7", "Cobalt-5", "b", 3),
    ("Birch-2", "Cobalt-5", "a", 15),
    ("Birch-2", "Cobalt-5", "both_bad", 2),
    ("Birch-2", "Cobalt-5", "b", 4),
    ("Cobalt-5", "Dune-1", "a", 2),
    ("Cobalt-5", "Dune-1", "b", 2),
    ("Atlas-7", "Dune-1", "a", 2),
    ("Atlas-7", "Dune-1", "b", 1),
    ("Birch-2", "Dune-1", "tie", 1),
    ("Birch-2", "Dune-1", "a", 1),
]


@pytest.fixture(autouse=True)
def _fast_board(settings):
    settings.LEADERBOARD_BOOTSTRAP = 50
    settings.LEADERBOARD_MIN_VOTES = 10


def votes_add(results, *, task: str = Task.TEXT, category: str = "furniture") -> None:
    """Store (model a, model b, winner, how many) as that many arena votes."""
    make_votes([(a, b, winner) for a, b, winner, count in results for _ in range(count)], task=task, category=category)


def boards_compute() -> None:
    """The boards these votes appear on: overall, the task, the category, both."""
    for task, category in [("", ""), (Task.TEXT, ""), ("", "furniture"), (Task.TEXT, "furniture")]:
        snapshot_compute(task=task, category=category)


@pytest.fixture
def board() -> Snapshot:
    votes_add(RESULTS)
    boards_compute()
    return Snapshot.objects.get(task="", category="")


def page(client: Client, query: str = "") -> str:
    response = client.get(f"/leaderboard/{query}")
    assert response.status_code == 200
    return response.content.decode()


def table_rows(html: str) -> list[str]:
    body = html[html.index('<tbody id="ranking-rows">') : html.index("</tbody>")]
    return re.findall(r"<tr data-model.*?</tr>", body, flags=re.S)


def cell(row: str, column: str) -> str:
    match = re.search(rf'<t[dh][^>]*class="[^"]*\b{column}\b[^"]*"[^>]*>(.*?)</t[dh]>', row, flags=re.S)
    assert match, column
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()


def test_it_lists_the_models_in_rating_order(client, board):
    rows = table_rows(page(client))
    models = [re.search(r'data-model="([^"]+)"', row).group(1) for row in rows]
    assert models == [row["model"] for row in board.rows]
    ratings = [int(cell(row, "col-rating")) for row in rows]
    assert ratings == sorted(ratings, reverse=True)
    assert models[0] in ("Atlas-7", "Birch-2") and "Cobalt-5" in models[2:]


def test_it_shows_tied_ranks_as_the_same_number_and_explains_them(client, board):
    html = page(client)
    ranks = [cell(row, "col-rank") for row in table_rows(html)]
    assert ranks == [str(row["rank"]) for row in board.rows]
    assert ranks[0] == ranks[1] == "1"  # Atlas and Birch overlap
    assert "Models whose 95% intervals overlap share a rank" in html


def test_it_shows_the_interval_as_text_and_as_a_bar_on_a_common_scale(client, board):
    html = page(client)
    top = board.rows[0]
    first = table_rows(html)[0]
    plus = round(top["ci_high"]) - round(top["rating"])
    minus = round(top["rating"]) - round(top["ci_low"])
    assert cell(first, "col-ci").startswith(f"+{plus} / −{minus}")
    assert f"--lo: {top['ci_low']:.2f}; --hi: {top['ci_high']:.2f}" in first
    lowest = min(row["ci_low"] for row in board.rows)
    highest = max(row["ci_high"] for row in board.rows)
    assert f"--min: {lowest:.2f}; --max: {highest:.2f}" in html


def test_it_shows_votes_win_rate_executability_and_online_elo(client, board):
    first = table_rows(page(client))[0]
    top = board.rows[0]
    assert cell(first, "col-votes") == str(top["battles"])
    assert cell(first, "col-winrate") == f"{round(top['win_rate'] * 100)}%"
    assert cell(first, "col-exec") == "100%"
    assert cell(first, "col-elo") == str(round(top["elo_online"]))


def test_it_marks_provisional_models(client, board):
    rows = {re.search(r'data-model="([^"]+)"', row).group(1): row for row in table_rows(page(client))}
    assert "is-provisional" in rows["Dune-1"] and "provisional</span>" in rows["Dune-1"]
    assert "provisional" not in rows["Atlas-7"]


def test_it_documents_the_method_and_the_cited_version(client, board):
    html = page(client)
    methods = html[html.index('id="methods"') :]
    assert "Bradley–Terry" in methods and "mean is 1000" in methods
    assert "half a win each way" in methods
    assert "50</span> bootstrap rounds" in methods
    assert "gold check pairs and votes flagged" in methods
    assert board.public_id in methods and board.votes_hash in methods
    assert f'href="/leaderboard/api/snapshots/{board.public_id}/"' in methods
    assert f'id="methods-votes">{board.n_votes}<' in methods


def test_it_links_the_three_downloads_and_the_reproducing_command(client, board):
    html = page(client)
    for fmt in ("fastchat", "jsonl", "csv"):
        assert f'href="/leaderboard/export/?format={fmt}"' in html
    assert "python -m leaderboard.rating arena-battles.json --bootstrap 50 --seed 0" in html


def test_it_scopes_the_downloads_to_the_board(client, board):
    html = page(client, "?task=text-to-3d&category=furniture")
    assert 'href="/leaderboard/export/?format=csv&amp;task=text-to-3d&amp;category=furniture"' in html


def test_it_embeds_the_board_for_the_script(client, board):
    html = page(client)
    data = re.search(r'<script id="board-data" type="application/json">(.*?)</script>', html, flags=re.S)
    assert json.loads(data.group(1))["snapshot"] == board.public_id


def test_it_shows_an_empty_state_before_any_vote(client):
    html = page(client)
    assert 'No votes yet — <a href="/arena/">vote in the arena</a>' in html
    assert re.search(r'<section class="empty-state" id="board-empty"[^>]*>', html).group(0).count("hidden") == 0
    assert '<div id="board-body" hidden>' in html
    assert table_rows(html) == []


def test_it_hides_the_empty_state_when_there_is_a_board(client, board):
    html = page(client)
    assert re.search(r'<section class="empty-state" id="board-empty"[^>]*>', html).group(0).endswith(" hidden>")
    assert '<div id="board-body">' in html


def test_it_offers_the_task_tabs_and_the_category_filter(client, board):
    votes_add([("Atlas-7", "Birch-2", "a", 3)], task=Task.TEXT, category="vehicles")
    html = page(client, "?task=text-to-3d&category=furniture")
    assert '<a class="tab" href="/leaderboard/?category=furniture">Overall</a>' in html
    assert 'href="/leaderboard/?task=text-to-3d&amp;category=furniture" aria-current="page">Text to 3D</a>' in html
    assert 'href="/leaderboard/?task=image-to-3d&amp;category=furniture">Image to 3D</a>' in html
    assert '<option value="furniture" selected>furniture (69 votes)</option>' in html
    assert '<option value="vehicles">vehicles (3 votes)</option>' in html
    assert '<input type="hidden" name="task" value="text-to-3d">' in html


def test_it_shows_the_board_of_the_selected_task_and_category(client, board):
    votes_add([("Atlas-7", "Birch-2", "a", 4), ("Birch-2", "Atlas-7", "a", 2)], task=Task.IMAGE, category="vehicles")
    snapshot_compute(task=Task.IMAGE, category="vehicles")
    html = page(client, "?task=image-to-3d&category=vehicles")
    scoped = Snapshot.objects.get(task=Task.IMAGE, category="vehicles")
    assert scoped.public_id in html and board.public_id not in html
    assert [re.search(r'data-model="([^"]+)"', row).group(1) for row in table_rows(html)] == scoped.models_order
    assert "Image to 3D · vehicles" in html


def test_it_shows_the_empty_state_for_a_board_without_votes(client, board):
    html = page(client, "?task=image-to-3d")
    assert "No votes yet" in html and '<div id="board-body" hidden>' in html
    assert 'href="/leaderboard/">See the overall board</a>' in html


def test_it_refuses_an_unknown_task(client):
    assert client.get("/leaderboard/?task=sculpting").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/leaderboard/?category=a{nul}b",
        "/leaderboard/api/board/?category=a{nul}b",
        "/leaderboard/api/history/?task=text-to-3d&category={nul}",
        "/leaderboard/export/?category={nul}",
        "/leaderboard/api/snapshots/{snapshot}{nul}/",
    ],
)
def test_it_answers_a_name_with_a_nul_byte_with_a_404(client, board, url):
    # PostgreSQL refuses a NUL in a query: this was a server error there (found by tests/security/test_api_fuzz.py).
    assert client.get(url.format(nul="%00", snapshot=board.public_id)).status_code == 404
    assert client.get(url.format(nul="", snapshot=board.public_id)).status_code == 200
