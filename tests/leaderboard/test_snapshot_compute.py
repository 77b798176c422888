from __future__ import annotations

import pytest

from arena.models import Vote
from leaderboard.models import Snapshot
from leaderboard.services import snapshot_compute, snapshots_refresh
from tests.leaderboard.conftest import make_votes, random_outcomes

pytestmark = pytest.mark.django_db


def test_it_ranks_the_stronger_model_first():
    make_votes([("strong", "weak", "a")] * 8 + [("strong", "weak", "b")] * 2)
    snapshot = snapshot_compute()
    assert [row["model"] for row in snapshot.rows] == ["strong", "weak"]
    assert snapshot.n_votes == 10
    assert sum(row["rating"] for row in snapshot.rows) == pytest.approx(2000)
    assert snapshot.rows[0]["ci_low"] < snapshot.rows[0]["rating"] < snapshot.rows[0]["ci_high"]


def test_it_leaves_flagged_and_gold_votes_out():
    make_votes([("x", "y", "a")] * 6 + [("x", "y", "b")] * 6)
    Vote.objects.filter(winner="b").update(flagged=True)
    snapshot = snapshot_compute()
    assert snapshot.n_votes == 6


def test_it_does_not_store_a_new_version_when_no_vote_changed():
    make_votes(random_outcomes(60))
    first = snapshot_compute()
    assert snapshot_compute().id == first.id
    make_votes([("alpha", "beta", "tie")])
    second = snapshot_compute()
    assert second.id != first.id and second.votes_hash != first.votes_hash


def test_it_computes_boards_per_task_and_category():
    make_votes(random_outcomes(40, seed=1), task="text-to-3d", category="organic")
    make_votes(random_outcomes(40, seed=2), task="image-to-3d", category="architectural")
    snapshots_refresh()
    scopes = set(Snapshot.objects.values_list("task", "category"))
    assert {("", ""), ("text-to-3d", ""), ("image-to-3d", ""), ("", "organic"), ("text-to-3d", "organic")} <= scopes
    overall = Snapshot.objects.get(task="", category="")
    assert overall.n_votes == 80
    assert Snapshot.objects.get(task="image-to-3d", category="").n_votes == 40


def test_it_marks_models_under_the_minimum_as_provisional(settings):
    settings.LEADERBOARD_MIN_VOTES = 5
    make_votes([("a1", "b1", "a")] * 6 + [("a1", "c1", "a")] * 2)
    rows = {row["model"]: row for row in snapshot_compute().rows}
    assert not rows["a1"]["provisional"] and rows["c1"]["provisional"]


def test_it_returns_none_without_votes():
    assert snapshot_compute() is None
