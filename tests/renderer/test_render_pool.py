"""The pool itself: parallel callers, progress, renders, crashed workers."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool
from tests.renderer.conftest import CUBE, SCRIPTS


def test_it_serves_several_threads_at_once(pool, tmp_path: Path) -> None:
    script = SCRIPTS / "box_2x4x6.py"
    with ThreadPoolExecutor(max_workers=4) as executor:
        results = list(executor.map(lambda i: pool.run(script, tmp_path / str(i)), range(6)))
    assert [result["status"] for result in results] == ["ok"] * 6
    for index in range(6):
        assert json.loads((tmp_path / str(index) / "result.json").read_text())["status"] == "ok"


def test_it_reports_progress_stages(render_pool, tmp_path: Path) -> None:
    stages: list[tuple[str, float]] = []
    result = render_pool.run(SCRIPTS / "box_2x4x6.py", tmp_path, on_progress=lambda s, f: stages.append((s, f)))
    assert result["status"] == "ok"
    names = [stage for stage, _ in stages]
    assert names == ["starting", "running", "exporting", "rendering 1/1", "done"]
    assert [fraction for _, fraction in stages] == sorted(fraction for _, fraction in stages)


def test_it_renders_transparent_clay_views(render_pool, tmp_path: Path) -> None:
    result = render_pool.run(SCRIPTS / "box_2x4x6.py", tmp_path)
    assert result["files"]["views"] == ["views/view_045.png"]
    image = Image.open(tmp_path / "views" / "view_045.png")
    assert image.size == (64, 64) and image.mode == "RGBA"
    alpha = image.getchannel("A")
    assert alpha.getextrema() == (0, 255)
    red, green, blue, _ = image.getpixel((32, 32))
    assert abs(red - blue) < 20 and red > 40
    assert result["timings"]["render"] > 0


def test_it_replaces_a_worker_whose_zygote_was_killed(run_script) -> None:
    result = run_script(CUBE + "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nimport time\ntime.sleep(5)\n")
    assert result["status"] == "err_exec"
    assert "worker died" in result["error"]
    assert [run_script(CUBE, name=f"after{i}.py")["status"] for i in range(3)] == ["ok"] * 3


def test_it_reports_the_per_job_overhead_apart_from_script_and_render(pool, tmp_path: Path) -> None:
    # The figure itself is measured by `python -m renderer.bench` (docs/benchmarks.md), not asserted here.
    timings = pool.run(SCRIPTS / "box_2x4x6.py", tmp_path / "job")["timings"]
    assert 0 < timings["overhead"] < timings["total"]
    assert timings["overhead"] == pytest.approx(
        timings["total"] - timings["script"] - timings.get("render", 0.0), abs=1e-3
    )


def test_it_runs_a_batch_from_the_command_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise ValueError('nope')\n", encoding="utf-8")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "renderer.runtime",
            str(SCRIPTS / "box_2x4x6.py"),
            str(broken),
            "--out",
            str(tmp_path / "out"),
            "--views",
            "0",
            "--jobs",
            "2",
            "--timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads((tmp_path / "out" / "box_2x4x6" / "result.json").read_text())["status"] == "ok"
    assert (tmp_path / "out" / "box_2x4x6" / "model.glb").is_file()
    assert json.loads((tmp_path / "out" / "broken" / "result.json").read_text())["status"] == "err_exec"
    assert "err_exec 1, ok 1" in completed.stdout


def test_it_removes_outputs_of_an_earlier_run_into_the_same_directory(pool, tmp_path: Path) -> None:
    assert pool.run(SCRIPTS / "box_2x4x6.py", tmp_path)["status"] == "ok"
    result = pool.run(SCRIPTS / "equiv_curve_only.py", tmp_path)
    assert result["status"] == "err_no_mesh"
    assert not (tmp_path / "model.glb").exists() and not (tmp_path / "mesh.glb").exists()


def test_it_renders_with_cycles_when_asked(tmp_path: Path) -> None:
    config = RenderConfig(workers=1, views=1, size=32, engine="cycles", cycles_samples=1, timeout_s=60)
    with RenderPool(config) as cycles:
        result = cycles.run(SCRIPTS / "box_2x4x6.py", tmp_path)
    assert result["status"] == "ok", result["error"]
    image = Image.open(tmp_path / "views" / "view_045.png")
    assert image.size == (32, 32) and image.getchannel("A").getextrema()[1] == 255


def test_it_benchmarks_the_pool_against_fresh_processes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cube.py").write_text(CUBE, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "renderer.bench", str(corpus), "--views", "0"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert completed.returncode == 0, completed.stderr
    assert "| **median** |" in completed.stdout
    assert "Status differences between the two runs: 0." in completed.stdout
