"""The fast battle-file reader of leaderboard.rating gives exactly what the standard reader gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from leaderboard import rating
from leaderboard.rating import BattleFormatError, Battles, read_battles

GOOD = [
    {"model_a": "alpha", "model_b": "beta", "winner": "model_a", "judge": "u1", "anony": True, "tstamp": 1.5},
    {"model_a": "beta", "model_b": "gamma", "winner": "tie", "turn": 2, "conv": {"x": [1, 2, {"y": None}]}},
    {"model_a": "gamma", "model_b": "alpha", "winner": "tie (bothbad)", "language": "Deutsch – ü"},
    {"model_a": "alpha", "model_b": "beta", "winner": "model_b", "anony": False},
    {"model_a": "delta", "model_b": "alpha", "winner": "model_b", "anony": True, "big": 12345678901234567890123},
]


def standard(path: Path, models: list[str] | None = None) -> Battles:
    """The standard reader alone (the fast one switched off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rating, "_fast_battles", lambda data, models: None)
        return read_battles(str(path), models=models)


def assert_same(got: Battles, expected: Battles) -> None:
    assert got.models == expected.models
    for name in ("a", "b", "outcome"):
        assert getattr(got, name).dtype == np.int64
        assert getattr(got, name).tolist() == getattr(expected, name).tolist()


def fast(path: Path, models: list[str] | None = None) -> Battles | None:
    return rating._fast_battles(path.read_bytes(), models)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(GOOD),
        json.dumps(GOOD, indent=2, ensure_ascii=False),
        "\ufeff" + json.dumps(GOOD),
        "  \r\n" + json.dumps(GOOD) + "\n\n",
        "[]",
        "".join(json.dumps(r) + "\n" for r in GOOD),
        "\r\n".join(json.dumps(r) for r in GOOD) + "\r\n\r\n",
        "\n\n" + "\n \t\n".join(json.dumps(r, ensure_ascii=False) for r in GOOD),
    ],
    ids=["list", "indented", "bom", "whitespace", "empty-list", "lines", "crlf-lines", "blank-lines"],
)
def test_it_reads_good_files_fast_and_the_same(tmp_path: Path, text: str) -> None:
    path = tmp_path / "battles.json"
    path.write_text(text, encoding="utf-8")
    got = fast(path)
    assert got is not None  # taken by the fast reader
    assert_same(got, standard(path))
    assert_same(read_battles(str(path)), standard(path))


def test_it_keeps_the_given_models_and_their_order(tmp_path: Path) -> None:
    path = tmp_path / "battles.json"
    path.write_text(json.dumps(GOOD))
    models = ["gamma", "delta", "beta", "alpha", "unused"]
    got = fast(path, models)
    assert got is not None and got.models == tuple(models)
    assert_same(got, standard(path, models))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"model_a": "a", "model_b": "b", "winner": "draw"}]', "unknown winner 'draw'"),
        ('[\n{"model_a": "a", "model_b": "b", "winner": "tie"},\n{"model_a": "a", "winner": "tie"}\n]',
         ":3: missing key 'model_b'"),
        ('[{"model_a": "a", "model_b": "a", "winner": "tie"}]', "the same model 'a'"),
        ('[{"model_a": "", "model_b": "b", "winner": "tie"}]', "model_a must be a non-empty string"),
        ('[{"model_a": 1, "model_b": "b", "winner": "tie"}]', "model_a must be a non-empty string, got 1"),
        ('[{"model_a": "a", "model_b": "b", "winner": "tie", "anony": 1}]', "anony must be true or false"),
        ('[{"model_a": "a", "model_b": "b", "winner": "tie"}, 3]', "expected a JSON object, got int"),
        ('[{"model_a": "a", "model_b": "b", "winner": "tie"},]', "invalid JSON"),
        ('[{"model_a": "a", "model_b": "b", "winner": "tie"}] x', "extra data after the list"),
        ('[{"model_a": "a", "model_b": "b", "winner": "tie"}', "the list is not closed"),
        ('{"model_a": "a", "model_b": "b", "winner": "tie"}\n{"model_a": "a"', ":2: invalid JSON"),
        ('{"model_a": "a", "model_b": "b", "winner": "tie"} {}\n', ":1: invalid JSON: Extra data"),
        ("", "the file is empty"),
        (" \n ", "the file is empty"),
    ],
)  # fmt: skip
def test_it_leaves_bad_files_to_the_standard_reader_and_its_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "battles.json"
    path.write_text(text)
    assert fast(path) is None
    with pytest.raises(BattleFormatError) as expected:
        standard(path)
    with pytest.raises(BattleFormatError) as got:
        read_battles(str(path))
    assert str(got.value) == str(expected.value)
    assert message in str(got.value)


@pytest.mark.parametrize(
    "text",
    [
        '[{"model_a": "a", "model_b": "b", "winner": "tie", "score": NaN}]',
        '[{"model_a": "a\\ud800", "model_b": "b", "winner": "tie"}]',
        '{"model_a": "a", "model_b": "b", "winner": "tie"}\u2028{"model_a": "b", "model_b": "a", "winner": "tie"}\n',
        '[{"model_a": "a", "model_b": "b", "winner": "tie", "model_a": "c"}, {"model_a": "a", "model_b": "b",'
        ' "winner": "x", "anony": false}]',
    ],
    ids=["nan", "lone-surrogate", "unicode-line-separator", "skipped-bad-record"],
)
def test_it_leaves_unusual_files_to_the_standard_reader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "battles.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert fast(path) is None
    try:
        expected: Battles | str = standard(path)
    except BattleFormatError as exc:
        expected = str(exc)
    try:
        got: Battles | str = read_battles(str(path))
    except BattleFormatError as exc:
        got = str(exc)
    if isinstance(expected, str):
        assert got == expected
    else:
        assert isinstance(got, Battles)
        assert_same(got, expected)


def test_it_takes_the_last_of_duplicate_keys_like_the_standard_reader(tmp_path: Path) -> None:
    path = tmp_path / "battles.json"
    path.write_text('[{"model_a": "a", "model_b": "b", "winner": "model_a", "winner": "model_b"}]')
    got = fast(path)
    assert got is not None and got.outcome.tolist() == [rating.B_WINS]
    assert_same(got, standard(path))


def test_it_leaves_models_outside_the_given_ones_to_the_standard_reader(tmp_path: Path) -> None:
    path = tmp_path / "battles.json"
    path.write_text(json.dumps(GOOD))
    assert fast(path, ["alpha", "beta"]) is None
    with pytest.raises(ValueError, match="model 'gamma' is not in the given models"):
        read_battles(str(path), models=["alpha", "beta"])
