from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command

from arena.models import Asset, Vote
from leaderboard import rating
from leaderboard.exports import chunks
from leaderboard.rating import main as rating_main
from leaderboard.selectors import export_rows
from leaderboard.services import snapshot_compute
from tests.leaderboard.conftest import make_votes, random_outcomes

pytestmark = pytest.mark.django_db


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("arena_export", *args, stdout=out)
    return out.getvalue()


def test_the_fastchat_export_is_a_clean_battle_list():
    make_votes([("m1", "m2", "a"), ("m1", "m2", "both_bad"), ("m2", "m1", "tie")])
    battles = json.loads(export("--format", "fastchat"))
    assert [b["winner"] for b in battles] == ["model_a", "tie (bothbad)", "tie"]
    assert {"model_a", "model_b", "winner", "judge", "anony", "tstamp", "prompt", "task", "category"} <= set(battles[0])
    assert all(b["anony"] is True for b in battles)


def test_the_judge_is_a_salted_hash_not_the_annotator_id():
    make_votes([("m1", "m2", "a")])
    battle = json.loads(export())[0]
    vote = Vote.objects.get()
    assert vote.annotator.public_id not in json.dumps(battle) and len(battle["judge"]) == 16


def test_flagged_votes_are_excluded_unless_asked():
    make_votes([("m1", "m2", "a"), ("m1", "m2", "b")])
    Vote.objects.filter(winner="b").update(flagged=True)
    assert len(json.loads(export())) == 1
    assert len(json.loads(export("--include-flagged"))) == 2


def test_jsonl_and_csv_hold_the_same_rows():
    make_votes(random_outcomes(20))
    lines = [json.loads(line) for line in export("--format", "jsonl").splitlines()]
    rows = list(csv.DictReader(io.StringIO(export("--format", "csv"))))
    assert len(lines) == len(rows) == 20
    assert [r["winner"] for r in rows] == [line["winner"] for line in lines]


def test_an_export_fed_to_the_rating_cli_reproduces_the_page(tmp_path, settings, capsys):
    make_votes(random_outcomes(150, seed=3))
    snapshot = snapshot_compute()
    path = tmp_path / "battles.json"
    path.write_text(export("--format", "fastchat"))
    rating.main([str(path), "--bootstrap", str(settings.LEADERBOARD_BOOTSTRAP), "--seed", "0"])
    cli = {row["model"]: row for row in json.loads(capsys.readouterr().out)}
    for row in snapshot.rows:
        assert cli[row["model"]]["rating"] == pytest.approx(row["rating"], abs=1e-9)
        assert cli[row["model"]]["ci_low"] == pytest.approx(row["ci_low"], abs=1e-9)
        assert cli[row["model"]]["rank"] == row["rank"]


def test_the_download_link_streams_the_export(client):
    make_votes([("m1", "m2", "a")])
    response = client.get("/leaderboard/export/?format=csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert b"model_a" in b"".join(response.streaming_content)


def test_the_export_carries_each_sides_complexity_and_the_rating_command_controls_for_it(tmp_path):
    make_votes([("Big", "Small", "a")] * 8 + [("Small", "Big", "b")] * 8 + [("Big", "Small", "b")] * 4)
    Asset.objects.filter(generator__name="Big").update(stats={"triangles": 90000, "objects": 3},
                                                       source_code="import bpy\n" * 40)  # fmt: skip
    Asset.objects.filter(generator__name="Small").update(stats={"triangles": 900, "objects": 1}, source_code="x = 1\n")
    rows = list(export_rows())
    big_first = next(row for row in rows if row["model_a"] == "Big")
    # Rendered before parts and fill were measured: they are missing (null), not 0.
    assert big_first["features_a"] == {"triangles": 90000.0, "objects": 3.0, "parts": None, "fill": None,
                                       "code_chars": 440.0}  # fmt: skip
    assert big_first["features_b"] == {"triangles": 900.0, "objects": 1.0, "parts": None, "fill": None,
                                       "code_chars": 6.0}  # fmt: skip
    csv_text = "".join(chunks(export_rows(), "csv"))
    header = "features_a.triangles,features_a.objects,features_a.parts,features_a.fill,features_a.code_chars"
    assert header in csv_text.splitlines()[0]
    path = tmp_path / "battles.json"
    path.write_text("".join(chunks(export_rows(), "fastchat")))
    out = io.StringIO()
    with redirect_stdout(out):
        assert rating_main([str(path), "--control", "triangles,code_chars", "--bootstrap", "0"]) == 0
    board = json.loads(out.getvalue())
    assert [c["feature"] for c in board["coefficients"]] == ["triangles", "code_chars"]
    assert board["n_battles"] == 20
