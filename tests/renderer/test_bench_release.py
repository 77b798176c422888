"""``python -m renderer.bench_release``: the release's factories through the pool and through plain bpy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.renderer.conftest import CUBE

ROOT = Path(__file__).resolve().parents[2]


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "renderer.bench_release", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def test_it_reports_stages_and_both_statuses_per_factory(tmp_path: Path) -> None:
    for name, source in (("Cube_seed0", CUBE), ("Broken_seed0", "raise ValueError('nope')\n")):
        folder = tmp_path / "categories" / name
        folder.mkdir(parents=True)
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
    completed = _bench(str(tmp_path), "--views", "2", "--size", "32")
    assert completed.returncode == 0, completed.stderr
    assert "| render view 2 |" in completed.stdout and "| script (plain bpy) |" in completed.stdout
    assert "| Cube_seed0 | 12 | ok | ok |" in completed.stdout
    assert (
        "| Broken_seed0 | 0 | err_exec (ValueError: nope (line 1)) | err_exec (ValueError: nope) |" in completed.stdout
    )
    assert "Status differences between the pool and plain bpy: 0." in completed.stdout


def test_it_skips_with_a_message_without_a_release(tmp_path: Path) -> None:
    completed = _bench(str(tmp_path / "absent"))
    assert completed.returncode == 0
    assert completed.stdout.startswith("Skipped: no benchmark release")
