"""Command line and battle files of leaderboard.rating."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard.rating import BattleFormatError, Battles, fit_leaderboard, main, read_battles

ROOT = Path(__file__).resolve().parents[2]

RECORDS = [
    {"model_a": "alpha", "model_b": "beta", "winner": "model_a", "judge": "u1", "anony": True, "tstamp": 1.0},
    {"model_a": "beta", "model_b": "gamma", "winner": "model_a", "judge": "u2", "anony": True, "tstamp": 2.0},
    {"model_a": "gamma", "model_b": "alpha", "winner": "tie", "judge": "u3", "anony": True, "tstamp": 3.0},
    {"model_a": "alpha", "model_b": "gamma", "winner": "model_a", "judge": "u1", "anony": True, "tstamp": 4.0},
    {"model_a": "beta", "model_b": "alpha", "winner": "tie (bothbad)", "judge": "u2", "anony": True, "tstamp": 5.0},
    {"model_a": "gamma", "model_b": "beta", "winner": "model_a", "judge": "u4", "anony": True, "tstamp": 6.0},
    {"model_a": "alpha", "model_b": "beta", "winner": "model_b", "judge": "u5", "anony": False, "tstamp": 7.0},
    {"model_a": "beta", "model_b": "alpha", "winner": "model_b", "judge": "u5", "anony": True, "tstamp": 8.0},
]


def write_json(path: Path, records: list) -> Path:
    path.write_text(json.dumps(records, indent=2))
    return path


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_it_round_trips_a_json_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_json(tmp_path / "battles.json", RECORDS)
    assert main([str(path), "--bootstrap", "200", "--seed", "3"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = fit_leaderboard(Battles.from_records(RECORDS), bootstrap=200, seed=3).rows
    assert rows == expected
    assert {"model", "rating", "ci_low", "ci_high", "rank", "battles", "win_rate"} <= set(rows[0])
    assert sum(r["battles"] for r in rows) == 2 * 7  # the non-anonymous battle is dropped


def test_it_reads_json_lines_like_a_json_list(tmp_path: Path) -> None:
    listed = read_battles(str(write_json(tmp_path / "b.json", RECORDS)))
    lines = read_battles(str(write_jsonl(tmp_path / "b.jsonl", RECORDS)))
    assert listed.models == lines.models
    assert listed.a.tolist() == lines.a.tolist()
    assert listed.outcome.tolist() == lines.outcome.tolist()


def test_it_writes_csv_with_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_jsonl(tmp_path / "battles.jsonl", RECORDS)
    args = [str(path), "--format", "csv", "--bootstrap", "0", "--exclude-ties", "--exclude-bothbad",
            "--anchor", "beta=1200", "--alpha", "0.01"]  # fmt: skip
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    beta = next(r for r in rows if r["model"] == "beta")
    assert float(beta["rating"]) == pytest.approx(1200.0)
    assert beta["ci_low"] == "" and beta["ties"] == "0" and beta["bothbad"] == "0"


def test_it_runs_as_a_module(tmp_path: Path) -> None:
    path = write_json(tmp_path / "battles.json", RECORDS)
    done = subprocess.run(
        [sys.executable, "-m", "leaderboard.rating", str(path), "--bootstrap", "50"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [r["model"] for r in json.loads(done.stdout)][0] in {"alpha", "beta", "gamma"}


def test_it_names_file_line_and_reason_for_an_unknown_winner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = RECORDS[:3] + [{"model_a": "alpha", "model_b": "beta", "winner": "draw"}]
    path = write_jsonl(tmp_path / "bad.jsonl", records)
    assert main([str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:4: unknown winner 'draw'" in err


def test_it_gives_the_line_of_a_bad_record_in_a_json_list(tmp_path: Path) -> None:
    records = RECORDS[:2] + [{"model_a": "alpha", "winner": "model_a"}]
    path = write_json(tmp_path / "bad.json", records)
    with pytest.raises(BattleFormatError) as info:
        read_battles(str(path))
    lines_of_records = [k + 1 for k, text in enumerate(path.read_text().splitlines()) if text == "  {"]
    assert info.value.line == lines_of_records[2]
    assert info.value.reason == "missing key 'model_b'"
    assert str(info.value).startswith(f"{path}:{lines_of_records[2]}:")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('{"model_a": "x", "model_b": "y", "winner": "model_a"}\n{"model_a": "x",\n', 2, "invalid JSON"),
        ('{"model_a": "x", "model_b": "x", "winner": "tie"}\n', 1, "the same model 'x'"),
        ('\n\n{"model_a": "x", "model_b": "y", "winner": "a"}\n', 3, "unknown winner 'a'"),
        ('{"model_a": "x", "model_b": "y", "winner": "tie", "anony": "no"}\n', 1, "anony must be"),
        ('["x", "y", "model_a"]\n', 1, "expected a JSON object"),
        ('[\n{"model_a": "x", "model_b": "y", "winner": "tie"}\n{"model_a": "x"}]', 3, "expected ','"),
        ('[\n{"model_a": "x", "model_b": "y", "winner": "tie"},\n', 3, "not closed"),
        ("  \n", 1, "empty"),
        ("[]\n[]", 2, "extra data"),
    ],
)
def test_it_rejects_bad_input(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(BattleFormatError) as info:
        read_battles(str(path))
    assert info.value.line == line
    assert reason in info.value.reason


def test_it_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nope.json")]) == 1
    assert "nope.json" in capsys.readouterr().err


def test_it_reports_a_file_without_anonymous_battles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_json(tmp_path / "b.json", [dict(RECORDS[0], anony=False)])
    assert main([str(path)]) == 1
    assert "no battles to rate" in capsys.readouterr().err


def test_it_rejects_a_bad_anchor(tmp_path: Path) -> None:
    path = write_json(tmp_path / "b.json", RECORDS)
    with pytest.raises(SystemExit) as info:
        main([str(path), "--anchor", "beta"])
    assert info.value.code == 2


def test_it_numbers_records_when_reading_in_memory() -> None:
    with pytest.raises(BattleFormatError, match=r"^record 2: unknown winner"):
        Battles.from_records([RECORDS[0], dict(RECORDS[1], winner="B")])
