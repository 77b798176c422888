"""Statuses, errors and geometry of single jobs, through the sandboxed pool."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import trimesh

from renderer.runtime.glb import read_glb
from tests.renderer.conftest import CUBE, SCRIPTS


def test_it_exports_a_valid_script_y_up_and_centred(pool, tmp_path: Path) -> None:
    result = pool.run(SCRIPTS / "box_2x4x6.py", tmp_path)
    assert result["status"] == "ok", result["error"]
    assert result["files"]["glb"] == "model.glb" and result["files"]["mesh"] == "mesh.glb"
    mesh = trimesh.load(tmp_path / "mesh.glb", force="mesh")
    np.testing.assert_allclose(mesh.extents, [2.0, 6.0, 4.0], atol=1e-5)
    np.testing.assert_allclose(mesh.bounds.mean(axis=0), [0.0, 0.0, 0.0], atol=1e-5)
    assert result["stats"]["dimensions"] == [2.0, 6.0, 4.0]
    assert (result["stats"]["vertices"], result["stats"]["faces"], result["stats"]["triangles"]) == (8, 6, 12)
    assert "built the box" in result["stdout"]
    written = json.loads((tmp_path / "result.json").read_text())
    assert written == result
    assert written["sandboxed"] is True and written["timings"]["total"] > 0


def test_it_reports_a_syntax_error_with_its_line(run_script) -> None:
    result = run_script("import bpy\n\nbpy.ops.mesh.primitive_cube_add()\nx = = 1\n")
    assert result["status"] == "err_exec"
    assert result["error"].startswith("SyntaxError") and "(line 4)" in result["error"]


def test_it_reports_a_runtime_error_with_the_script_line(run_script) -> None:
    result = run_script(
        """\
        import bpy

        bpy.ops.mesh.primitive_cube_add()
        cube = bpy.context.active_object


        cube.data.use_auto_smooth = True
        """
    )
    assert result["status"] == "err_exec"
    assert result["error"] == "AttributeError: 'Mesh' object has no attribute 'use_auto_smooth' (line 7)"
    assert "Traceback" in result["traceback"]


def test_it_reports_no_mesh_for_curves_only(pool, tmp_path: Path) -> None:
    result = pool.run(SCRIPTS / "equiv_curve_only.py", tmp_path)
    assert result["status"] == "err_no_mesh"
    assert "glb" not in result["files"]


def test_it_reports_no_mesh_for_camera_and_light_only(pool, tmp_path: Path) -> None:
    assert pool.run(SCRIPTS / "equiv_camera_light_only.py", tmp_path)["status"] == "err_no_mesh"


def test_it_stops_an_infinite_loop_at_the_time_limit(run_short, short_pool) -> None:
    started = time.monotonic()
    result = run_short("import bpy\nbpy.ops.mesh.primitive_cube_add()\nwhile True:\n    pass\n")
    elapsed = time.monotonic() - started
    assert result["status"] == "err_timeout"
    assert 2.9 < elapsed < 6.0
    # The replacement worker takes the next job.
    assert run_short(CUBE)["status"] == "ok"


def test_it_removes_cameras_and_lights(pool, tmp_path: Path) -> None:
    result = pool.run(SCRIPTS / "equiv_lamp_mixed.py", tmp_path)
    assert result["status"] == "ok"
    assert result["stats"]["objects"] == 1
    document, _ = read_glb((tmp_path / "mesh.glb").read_bytes())
    assert len(document["nodes"]) == 1
    assert "cameras" not in document and "KHR_lights_punctual" not in document.get("extensionsUsed", [])


def test_it_applies_modifiers(run_script) -> None:
    plain = run_script(CUBE, name="plain.py")
    subdivided = run_script(CUBE + "bpy.context.active_object.modifiers.new('s', 'SUBSURF').levels = 2\n")
    assert plain["stats"]["vertices"] == 8
    assert subdivided["stats"]["vertices"] == 98


def test_it_keeps_edge_only_meshes(pool, tmp_path: Path) -> None:
    result = pool.run(SCRIPTS / "equiv_edge_spiral.py", tmp_path)
    assert result["status"] == "ok"
    assert (result["stats"]["vertices"], result["stats"]["edges"], result["stats"]["faces"]) == (80, 79, 0)
    scene = trimesh.load(tmp_path / "mesh.glb")
    assert sum(len(getattr(g, "vertices", [])) for g in scene.geometry.values()) >= 80


def test_it_turns_sys_exit_into_an_error(run_script) -> None:
    result = run_script(CUBE + "import sys\nsys.exit(3)\n")
    assert result["status"] == "err_exec"
    assert result["error"] == "script called sys.exit(3)"


def test_it_survives_os_exit_in_a_script(run_script) -> None:
    result = run_script(CUBE + "import os\nos._exit(5)\n")
    assert result["status"] == "err_exec"
    assert "exit code 5" in result["error"]
    assert run_script(CUBE, name="after.py")["status"] == "ok"


def test_it_survives_quit_blender(run_script) -> None:
    result = run_script(CUBE + "bpy.ops.wm.quit_blender()\n")
    assert result["status"] in ("ok", "err_exec")
    assert run_script(CUBE, name="after.py")["status"] == "ok"


def test_it_reports_nan_coordinates_as_an_export_error(run_script) -> None:
    result = run_script(CUBE + "bpy.context.active_object.data.vertices[0].co.x = float('nan')\n")
    assert result["status"] == "err_export"
    assert "NaN" in result["error"]


def test_it_reports_a_blender_crash(run_script) -> None:
    result = run_script(CUBE + "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    assert result["status"] == "err_exec"
    assert "SIGSEGV" in result["error"]


def test_it_bounds_captured_output(pool, tmp_path: Path) -> None:
    script = tmp_path / "chatty.py"
    script.write_text(CUBE + "print('x' * 200000)\n", encoding="utf-8")
    result = pool.run(script, tmp_path / "out")
    assert result["status"] == "ok"
    assert len(result["stdout"]) < pool.config.stdout_limit + 100
    assert f"[... {200001 - pool.config.stdout_limit} bytes of output dropped ...]" in result["stdout"]


def test_it_lets_a_script_save_a_blend_file_in_its_directory(run_script) -> None:
    result = run_script(CUBE + "bpy.ops.wm.save_as_mainfile(filepath='scene.blend')\n")
    assert result["status"] == "ok"
