"""The ``python -m metrics`` command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from metrics.__main__ import main
from metrics.embeddings import EmbeddingBackend, register_backend

from .shapes import chair, edge_only_geometry, rotated, write_glb, write_views

ROOT = Path(__file__).resolve().parents[2]
GEOMETRY_KEYS = {
    "chamfer",
    "chamfer_yaw_min",
    "best_yaw_deg",
    "fscore",
    "precision",
    "recall",
    "normal_consistency",
    "points",
}


def test_it_prints_chamfer_metrics_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generated = write_glb(tmp_path / "generated.glb", rotated(chair(), 90, [0, 1, 0]))
    reference = write_glb(tmp_path / "reference.glb", chair())
    status = main(["chamfer", str(generated), str(reference), "--points", "2048", "--seed", "3"])
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert GEOMETRY_KEYS <= set(result)
    assert result["points"] == 2048
    assert result["best_yaw_deg"] in (90, 270)
    assert result["chamfer_yaw_min"] == pytest.approx(0.0, abs=1e-12)
    assert result["chamfer"] > 0.01


def test_it_passes_yaw_axis_and_threshold_through(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generated = write_glb(tmp_path / "generated.glb", rotated(chair(), 90, [0, 0, 1]))
    reference = write_glb(tmp_path / "reference.glb", chair())
    args = ["chamfer", str(generated), str(reference), "--points", "1024"]
    assert main([*args, "--yaw-axis", "z", "--fscore-threshold", "0.1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["yaw_axis"] == "z" and result["fscore_threshold"] == 0.1
    assert result["fscore"] == pytest.approx(1.0)


def test_it_prints_nulls_and_a_reason_for_an_edge_only_mesh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edges = write_glb(tmp_path / "edges.glb", *edge_only_geometry())
    reference = write_glb(tmp_path / "reference.glb", chair())
    status = main(["chamfer", str(edges), str(reference)])
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert status == 3
    assert all(result[key] is None for key in GEOMETRY_KEYS - {"points"})
    assert "edges.glb" in result["reason"] and "edges.glb" in captured.err


def test_it_names_a_missing_mesh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reference = write_glb(tmp_path / "reference.glb", chair())
    status = main(["chamfer", str(tmp_path / "absent.glb"), str(reference)])
    captured = capsys.readouterr()
    assert status == 1 and captured.out == ""
    assert "absent.glb: file not found" in captured.err


def test_it_names_a_file_that_is_not_a_mesh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.glb"
    broken.write_bytes(b"\x00" * 10)
    status = main(["chamfer", str(broken), str(broken)])
    assert status == 1
    assert "broken.glb: not a readable mesh" in capsys.readouterr().err


def test_it_prints_image_metrics_per_view(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asset = write_views(tmp_path / "asset", [0, 6, 0, 6])
    reference = write_views(tmp_path / "reference")
    assert main(["images", str(asset), str(reference)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 0.0 < result["silhouette_iou"] < 1.0
    assert result["views"]["view_045.png"] == {"silhouette_iou": 1.0, "ssim": pytest.approx(1.0)}
    assert result["views"]["view_135.png"]["silhouette_iou"] < 1.0


def test_it_names_a_missing_views_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reference = write_views(tmp_path / "reference")
    assert main(["images", str(tmp_path / "nowhere"), str(reference)]) == 1
    assert "nowhere/view_045.png: view image not found" in capsys.readouterr().err


def test_it_runs_as_a_module_without_django(tmp_path: Path) -> None:
    mesh = write_glb(tmp_path / "mesh.glb", chair())
    completed = subprocess.run(
        [sys.executable, "-m", "metrics", "chamfer", str(mesh), str(mesh), "--points", "512"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["chamfer"] == 0.0
    assert "django" not in completed.stderr.lower()


def test_it_prints_render_and_text_similarity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register_backend(GreyLevelBackend)
    asset = write_views(tmp_path / "asset")
    reference = write_views(tmp_path / "reference")
    args = ["similarity", str(asset), str(reference), "--backend", "test-grey-level", "--weights", str(tmp_path)]
    assert main([*args, "--text", "a chair"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["backend"] == "test-grey-level"
    assert result["view_paired"] == pytest.approx(1.0)
    assert result["best_assignment"] == pytest.approx(1.0)
    assert len(result["per_view"]) == 4
    assert 0.5 < result["text_render"]["mean"] <= 1.0
    assert result["text_render"]["mean"] == pytest.approx(np.mean(result["text_render"]["per_view"]))


def test_it_reports_a_missing_weights_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    views = write_views(tmp_path / "views")
    args = ["similarity", str(views), str(views), "--backend", "siglip", "--weights", str(tmp_path / "weights")]
    assert main(args) == 1
    assert "weights: weights directory not found" in capsys.readouterr().err


class GreyLevelBackend(EmbeddingBackend):
    """A stand-in model: mean grey level and a constant, for texts as for images."""

    name = "test-grey-level"
    supports_text = True

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        grey = [np.asarray(i.convert("L"), dtype=float).mean() / 255.0 for i in images]
        return np.array([[g, 1.0] for g in grey]) / np.hypot(grey, 1.0)[:, None]

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_images([Image.new("RGB", (2, 2), (128, 128, 128))] * len(texts))
