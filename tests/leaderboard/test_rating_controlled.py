"""Ratings controlled for complexity: Bradley–Terry with per-battle covariates."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

from leaderboard.rating import Battles, feature_contrasts, fit_controlled, fit_leaderboard, main

MODELS = ("Atlas", "Birch", "Cobalt", "Dune", "Ember")


def _battles(*, n: int, triangles_decide: bool, seed: int = 0, strengths: np.ndarray | None = None) -> Battles:
    """Models whose typical triangle counts differ by 3x each, spread widely (so a model's triangle
    counts overlap its neighbours'); the winner is drawn from triangles or from `strengths`."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(MODELS), n)
    b = (a + rng.integers(1, len(MODELS), n)) % len(MODELS)
    typical = 2000.0 * 3.0 ** np.arange(len(MODELS))
    tri_a = typical[a] * rng.lognormal(0, 1.5, n)
    tri_b = typical[b] * rng.lognormal(0, 1.5, n)
    if triangles_decide:
        logit = 4.0 * (tri_a - tri_b) / (tri_a + tri_b + 1)
    else:
        logit = strengths[a] - strengths[b]  # type: ignore[index]
    outcome = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), 0, 1)
    parts_a, parts_b = rng.integers(1, 30, n).astype(float), rng.integers(1, 30, n).astype(float)
    return Battles(MODELS, a, b, outcome, ("triangles", "parts"), np.c_[tri_a, parts_a], np.c_[tri_b, parts_b])


def _spread(rows: list[dict], key: str) -> float:
    values = [row[key] for row in rows]
    return max(values) - min(values)


def test_when_only_the_triangle_count_decides_control_brings_the_models_together():
    battles = _battles(n=50_000, triangles_decide=True)
    board = fit_controlled(battles, bootstrap=20, seed=1)
    assert board.converged and board.message == ""
    assert _spread(board.rows, "raw_rating") > 200
    assert _spread(board.rows, "rating") < 20
    coefficients = {row["feature"]: row for row in board.coefficients}
    assert coefficients["triangles"]["low"] > 100  # more triangles win, clearly
    assert coefficients["parts"]["low"] < 0 < coefficients["parts"]["high"]  # parts decide nothing


def test_when_the_features_decide_nothing_control_changes_little():
    truth = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    battles = _battles(n=6000, triangles_decide=False, strengths=truth, seed=2)
    # Here the triangle contrast is nearly collinear with who plays (each model has its own
    # triangle range), so drop it and control for the parts alone, which are pure noise.
    noise = Battles(battles.models, battles.a, battles.b, battles.outcome, ("parts",),
                    battles.features_a[:, 1:], battles.features_b[:, 1:])  # fmt: skip
    board = fit_controlled(noise, bootstrap=40, seed=1)
    assert max(abs(row["shift"]) for row in board.rows) < 10
    plain = {row["model"]: row["rating"] for row in fit_leaderboard(noise, bootstrap=0).rows}
    assert all(abs(row["raw_rating"] - plain[row["model"]]) < 1 for row in board.rows)  # same fit, no covariates
    (parts,) = board.coefficients
    assert parts["low"] < 0 < parts["high"]
    ranked = [row["model"] for row in board.rows]
    assert ranked == list(reversed(MODELS))


def test_it_says_when_the_fit_did_not_converge():
    board = fit_controlled(_battles(n=2000, triangles_decide=True), bootstrap=0, max_iter=1)
    assert not board.converged
    assert "did not converge" in board.message


def test_contrasts_are_normalised_and_a_constant_one_stays_zero():
    fa = np.array([[10.0, 5.0], [0.0, 5.0], [30.0, 5.0]])
    fb = np.array([[0.0, 5.0], [10.0, 5.0], [10.0, 5.0]])
    x = feature_contrasts(fa, fb)
    assert x[:, 0].mean() == pytest.approx(0.0) and x[:, 0].std() == pytest.approx(1.0)
    assert (x[:, 1] == 0).all()
    with pytest.raises(ValueError, match="non-negative"):
        feature_contrasts(-fa, fb)


def test_battles_without_features_are_refused():
    plain = Battles(MODELS[:2], np.array([0]), np.array([1]), np.array([0]))
    with pytest.raises(ValueError, match="no features"):
        fit_controlled(plain, bootstrap=0)


def _write(path, battles: Battles) -> None:
    with path.open("w") as fh:
        for k in range(len(battles)):
            fh.write(json.dumps({
                "model_a": MODELS[battles.a[k]], "model_b": MODELS[battles.b[k]],
                "winner": "model_a" if battles.outcome[k] == 0 else "model_b",
                "features_a": dict(zip(battles.features, battles.features_a[k].tolist(), strict=True)),
                "features_b": dict(zip(battles.features, battles.features_b[k].tolist(), strict=True)),
            }) + "\n")  # fmt: skip


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_the_command_line_fits_the_controlled_board_from_a_battles_file(tmp_path):
    path = tmp_path / "battles.jsonl"
    _write(path, _battles(n=3000, triangles_decide=True))
    status, out, _ = _run(str(path), "--control", "triangles", "--bootstrap", "20")
    assert status == 0
    board = json.loads(out)
    assert [c["feature"] for c in board["coefficients"]] == ["triangles"]
    assert board["converged"] and board["n_battles"] == 3000
    assert _spread(board["rows"], "raw_rating") > 200 and _spread(board["rows"], "rating") < 100
    status, out, _ = _run(str(path), "--control", "triangles", "--bootstrap", "0", "--format", "csv")
    assert status == 0 and out.startswith("model,rating,ci_low,ci_high,raw_rating,shift\n")
    assert "\nfeature,value,low,high\ntriangles," in out


def test_the_command_line_names_the_record_that_lacks_a_feature(tmp_path):
    path = tmp_path / "battles.jsonl"
    _write(path, _battles(n=5, triangles_decide=True))
    lines = path.read_text().splitlines()
    record = json.loads(lines[2])
    del record["features_b"]["parts"]
    lines[2] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    status, _, err = _run(str(path), "--control", "triangles,parts", "--bootstrap", "0")
    assert status == 1
    assert "battles.jsonl:3: features_b.parts must be a non-negative number, got None" in err
    with pytest.raises(SystemExit) as usage, redirect_stderr(io.StringIO()) as err:
        main([str(path), "--control", "triangles", "--anchor", "Atlas=1000"])
    assert usage.value.code == 2 and "it takes no --exclude-*, --anchor, --alpha" in err.getvalue()


def test_the_command_line_leaves_out_a_battle_whose_feature_is_null_and_says_how_many(tmp_path):
    path = tmp_path / "battles.jsonl"
    _write(path, _battles(n=40, triangles_decide=True))
    lines = path.read_text().splitlines()
    for k in (3, 7):
        record = json.loads(lines[k])
        record["features_a"]["parts"] = None  # not measured for this asset
        lines[k] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    status, out, err = _run(str(path), "--control", "triangles,parts", "--bootstrap", "0")
    assert status == 0
    board = json.loads(out)
    assert board["n_battles"] == 38 and board["n_left_out"] == 2
    assert "2 battles left out" in err
    status, out, _ = _run(str(path), "--control", "triangles", "--bootstrap", "0")
    assert json.loads(out)["n_battles"] == 40 and json.loads(out)["n_left_out"] == 0
