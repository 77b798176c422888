"""The modules the benchmark's factories import are available inside the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.renderer.conftest import CUBE

RELEASE = Path(__file__).resolve().parents[3] / "shared" / "benchmark-release"
# docs/renderer.md, "Modules a script may import".
MODULES = ("numpy", "scipy", "scipy.spatial", "shapely", "shapely.geometry", "trimesh", "skimage", "bmesh", "mathutils")


@pytest.mark.parametrize("module", MODULES)
def test_it_lets_a_sandboxed_script_import(run_script, module: str) -> None:
    result = run_script(CUBE + f"import {module}\nprint('imported', {module}.__name__)\n")
    assert result["status"] == "ok", result["error"]
    assert f"imported {module}" in result["stdout"]
    assert result["sandboxed"] is True


def test_it_runs_the_release_countertop_which_needs_shapely(pool, tmp_path: Path) -> None:
    script = RELEASE / "categories" / "Countertop_seed0" / "Countertop_seed0.py"
    if not script.is_file():
        pytest.skip(f"the benchmark release sample is not at {RELEASE}")
    assert "shapely" in script.read_text(encoding="utf-8")
    result = pool.run(script, tmp_path)
    assert result["status"] == "ok", result["error"]
    assert result["stats"]["triangles"] > 0
