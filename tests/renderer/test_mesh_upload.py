"""Mesh uploads (.obj, .stl, .ply, .glb) take the same path as scripts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh


@pytest.mark.parametrize("suffix", [".obj", ".stl", ".ply", ".glb"])
def test_it_renders_an_uploaded_mesh(pool, tmp_path: Path, suffix: str) -> None:
    box = trimesh.creation.box(extents=(2.0, 4.0, 6.0))
    box.apply_translation((5.0, 5.0, 5.0))
    upload = tmp_path / f"upload{suffix}"
    box.export(upload)
    result = pool.run(upload, tmp_path / "out")
    assert result["status"] == "ok", result["error"]
    mesh = trimesh.load(tmp_path / "out" / "mesh.glb", force="mesh")
    assert sorted(np.round(mesh.extents, 4)) == [2.0, 4.0, 6.0]
    np.testing.assert_allclose(mesh.bounds.mean(axis=0), 0.0, atol=1e-5)


def test_it_reports_a_broken_upload(pool, tmp_path: Path) -> None:
    upload = tmp_path / "broken.glb"
    upload.write_bytes(b"not a glb at all")
    result = pool.run(upload, tmp_path / "out")
    assert result["status"] == "err_exec"
    assert result["error"].startswith("could not import .glb file")
