"""The overall and task boards, controlled for complexity: stored with the snapshot, shown on the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arena.models import Asset
from leaderboard.models import Snapshot
from leaderboard.services import snapshot_compute, snapshots_refresh
from tests.leaderboard.conftest import make_votes

pytestmark = pytest.mark.django_db

# The bigger model wins most of its battles; a middling one in between.
VOTES = [("Big", "Small", "a")] * 12 + [("Small", "Big", "b")] * 6 + [("Mid", "Small", "a")] * 8 + \
        [("Big", "Mid", "a")] * 6 + [("Mid", "Big", "a")] * 3 + [("Small", "Mid", "a")] * 2  # fmt: skip


@pytest.fixture
def votes():
    make_votes(VOTES)
    make_votes([("Big", "Small", "a")] * 4, category="manufactured")
    for name, triangles in (("Big", 200_000), ("Mid", 20_000), ("Small", 2_000)):
        Asset.objects.filter(generator__name=name).update(stats={"triangles": triangles, "objects": 1},
                                                          source_code="x = 1\n" * (triangles // 1000))  # fmt: skip


def test_the_overall_and_task_boards_keep_the_controlled_fit(votes, settings):
    settings.LEADERBOARD_CONTROL_FEATURES = ["triangles", "code_chars"]
    snapshots_refresh()
    overall = Snapshot.objects.get(task="", family="", category="")
    controlled = overall.options["controlled"]
    assert controlled["features"] == ["triangles", "code_chars"] and controlled["bootstrap"] == 10
    assert {row["model"] for row in controlled["rows"]} == {"Big", "Mid", "Small"}
    assert [c["feature"] for c in controlled["coefficients"]] == ["triangles", "code_chars"]
    raw = {row["model"]: row["raw_rating"] for row in controlled["rows"]}
    assert raw["Big"] > raw["Small"]
    assert Snapshot.objects.get(task="text-to-3d", family="", category="").options["controlled"] is not None
    narrower = Snapshot.objects.exclude(family="", category="")
    assert narrower.exists() and not any("controlled" in s.options for s in narrower)


def test_one_query_reads_the_features_of_every_controlled_board(votes):
    with CaptureQueriesContext(connection) as queries:
        snapshots_refresh()
    reads = [q["sql"] for q in queries.captured_queries if "source_code" in q["sql"]]
    assert len(reads) == 1


def test_the_page_shows_the_controlled_ratings_and_what_each_feature_is_worth(votes, client):
    snapshot_compute()
    html = client.get("/leaderboard/").content.decode()
    section = html[html.index('id="controlled"') : html.index("</details>", html.index('id="controlled"'))]
    assert "hidden" not in section[:40]
    assert "Control for complexity" in section and 'data-model="Big"' in section
    assert 'data-feature="triangles"' in section and 'data-feature="code_chars"' in section
    assert "--control triangles,objects,code_chars" in section
    family = client.get("/leaderboard/?family=organic").content.decode()
    assert '<details class="card prose" id="controlled" hidden>' in family


def test_without_features_configured_nothing_is_controlled(votes, settings):
    settings.LEADERBOARD_CONTROL_FEATURES = []
    snapshot_compute()
    assert Snapshot.objects.get(task="", family="", category="").options["controlled"] is None


def test_a_battle_where_a_side_lacks_a_feature_is_left_out_of_the_controlled_fit_only(votes, settings, client):
    # Big and Mid were rendered once connected parts were measured; Small before (its stats have no parts).
    settings.LEADERBOARD_CONTROL_FEATURES = ["triangles", "parts"]
    for name, parts in (("Big", 40), ("Mid", 8)):
        Asset.objects.filter(generator__name=name).update(stats={"triangles": 1000 * parts, "objects": 1,
                                                                 "parts": parts})  # fmt: skip
    snapshot_compute()
    overall = Snapshot.objects.get(task="", family="", category="")
    controlled = overall.options["controlled"]
    with_small = 12 + 6 + 8 + 2 + 4
    assert controlled["left_out"] == with_small
    assert {row["model"] for row in controlled["rows"]} == {"Big", "Mid"}
    assert overall.n_votes == len(VOTES) + 4 and {row["model"] for row in overall.rows} == {"Big", "Mid", "Small"}
    html = client.get("/leaderboard/").content.decode()
    assert f"{with_small} battles left out of this fit" in html
    # Without parts among the features, no battle lacks one.
    settings.LEADERBOARD_CONTROL_FEATURES = ["triangles"]
    Snapshot.objects.all().delete()
    snapshot_compute()
    assert Snapshot.objects.get(task="", family="", category="").options["controlled"]["left_out"] == 0
