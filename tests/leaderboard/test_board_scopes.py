"""Boards by family, per-category boards from a vote threshold, and the refresh that refits only what changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arena.models import Prompt
from leaderboard import selectors
from leaderboard.models import Snapshot
from leaderboard.services import snapshots_refresh
from tests.leaderboard.conftest import make_votes, random_outcomes

pytestmark = pytest.mark.django_db

# (task, category, family, votes): two categories of the organic family, one manufactured.
CAST = [
    ("text-to-3d", "BrainCoral", "organic", 30),
    ("image-to-3d", "BrainCoral", "organic", 5),
    ("text-to-3d", "Fern", "organic", 8),
    ("image-to-3d", "ArmChair", "manufactured", 12),
]


@pytest.fixture
def arena(settings):
    settings.LEADERBOARD_CATEGORY_MIN_VOTES = 12
    for seed, (task, category, family, n) in enumerate(CAST):
        make_votes(random_outcomes(n, seed=seed), task=task, category=category)
        Prompt.objects.filter(task=task, category=category).update(family=family)


def scopes() -> set[tuple[str, str, str]]:
    return set(Snapshot.objects.values_list("task", "family", "category"))


def test_it_makes_boards_by_family_and_by_task_and_family(arena):
    snapshots_refresh()
    assert {("", "organic", ""), ("", "manufactured", ""), ("text-to-3d", "organic", "")} <= scopes()
    assert ("image-to-3d", "organic", "") in scopes() and ("text-to-3d", "manufactured", "") not in scopes()
    assert Snapshot.objects.get(task="", family="organic", category="").n_votes == 43
    assert Snapshot.objects.get(task="image-to-3d", family="organic", category="").n_votes == 5


def test_it_makes_a_category_board_only_from_the_threshold_on(arena):
    snapshots_refresh()
    categories = {(task, category) for task, _, category in scopes() if category}
    # BrainCoral: 35 votes in all, 30 on text; ArmChair: exactly 12, all image; Fern: 8, below.
    assert categories == {
        ("", "BrainCoral"),
        ("text-to-3d", "BrainCoral"),
        ("", "ArmChair"),
        ("image-to-3d", "ArmChair"),
    }
    assert selectors.category_boards() == {"BrainCoral": 35, "ArmChair": 12}
    assert selectors.category_boards(task="image-to-3d") == {"ArmChair": 12}


def test_it_lists_the_same_boards_as_it_refits(arena):
    boards = selectors.all_board_battles()
    assert sorted(boards) == selectors.board_scopes()
    for task, family, category in boards:
        _, votes_hash = selectors.board_battles(task=task, family=family, category=category)
        assert boards[(task, family, category)][1] == votes_hash


def test_it_refits_only_the_boards_a_new_vote_is_on(arena):
    first = snapshots_refresh()
    assert len(first) == len(selectors.board_scopes())
    assert snapshots_refresh() == []  # nothing changed: nothing refitted, nothing stored
    make_votes([("alpha", "beta", "a")], task="text-to-3d", category="Fern")
    fresh = {(s.task, s.family, s.category) for s in snapshots_refresh()}
    # Fern (9 votes) is still below the threshold: no board of its own.
    assert fresh == {("", "", ""), ("text-to-3d", "", ""), ("", "organic", ""), ("text-to-3d", "organic", "")}


def test_it_reads_every_board_s_votes_in_one_query(arena, settings):
    settings.LEADERBOARD_CATEGORY_MIN_VOTES = 1
    with CaptureQueriesContext(connection) as queries:
        boards = selectors.all_board_battles()
    assert len(boards) > 10 and len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        snapshots_refresh()
    # The votes, the stored hashes, executability, the complexity features, the task boards still without a
    # variant board, the votes between settings and the settings met; then one insert per board.
    assert len(queries) <= len(boards) + 7


def test_the_menu_groups_tasks_families_and_the_categories_that_qualify(client, arena):
    snapshots_refresh()
    html = client.get("/leaderboard/?family=organic").content.decode()
    assert 'href="/leaderboard/?task=text-to-3d&amp;family=organic">Text to 3D</a>' in html
    assert 'data-family="organic" href="/leaderboard/?family=organic" aria-current="page">Organic</a>' in html
    assert 'href="/leaderboard/?family=manufactured">Manufactured</a>' in html
    options = html[html.index('<select id="category-select"') : html.index("</select>")]
    assert '<option value="BrainCoral">BrainCoral (35 votes)</option>' in options
    assert '<option value="ArmChair">ArmChair (12 votes)</option>' in options
    assert "Fern" not in options
    assert "2 categories with a board of their own (from 12 votes)" in html
    organic = Snapshot.objects.get(task="", family="organic", category="")
    assert organic.public_id in html and "All tasks · Organic:" in html


def test_a_category_below_the_threshold_says_how_many_votes_it_needs(client, arena):
    snapshots_refresh()
    html = client.get("/leaderboard/?category=Fern").content.decode()
    assert "Fern has too few votes for a board of its own" in html
    assert "It has 8 counted votes; a category gets its own board from 12 votes, 4 more." in html
    assert '<option value="Fern" selected>Fern (too few votes)</option>' in html
    assert '<div id="board-body" hidden>' in html
    assert client.get("/leaderboard/api/board/?category=Fern").json()["snapshot"] is None


def test_the_api_addresses_a_family_board_and_refuses_an_unknown_family(client, arena):
    snapshots_refresh()
    board = client.get("/leaderboard/api/board/?task=text-to-3d&family=organic").json()
    assert board["family"] == "organic" and board["n_votes"] == 38
    history = client.get("/leaderboard/api/history/?family=organic").json()
    assert history["family"] == "organic" and len(history["history"]) == 1
    assert client.get("/leaderboard/api/board/?family=vegetal").status_code == 404
    export = b"".join(client.get("/leaderboard/export/?format=jsonl&family=manufactured").streaming_content)
    assert export.count(b"\n") == 12
