"""Limits that must stop only what breaks them: memory, leftover processes, output floods."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from renderer.runtime.capture import Bounded, dropped_note
from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool, address_space_backstop
from tests.conftest import missing_service
from tests.renderer.conftest import CUBE, Runner, _require_bubblewrap, _runner

SMALL_MEMORY = RenderConfig(workers=1, views=0, timeout_s=60, memory_mb=512, tmpfs_mb=64)
# Touches every page of 1.5 GiB: resident memory, not just address space.
MEMORY_HOG = "import bpy\nimport numpy as np\nblob = np.ones((1536 << 20) // 8)\nprint(blob.sum())\n"


@pytest.fixture(scope="module")
def small_memory_pool() -> Iterator[RenderPool]:
    """One sandboxed worker whose job may hold 512 MiB (the sandbox's cgroup where there is one)."""
    _require_bubblewrap()
    with RenderPool(SMALL_MEMORY) as shared:
        yield shared


@pytest.fixture(scope="module")
def leftover_pool() -> Iterator[RenderPool]:
    """One rendering worker whose task limit 300 leftovers would fill."""
    _require_bubblewrap()
    with RenderPool(RenderConfig(workers=1, views=1, size=64, timeout_s=60, max_procs=300)) as shared:
        yield shared


def _processes_with(marker: str) -> list[int]:
    """Living host processes whose command line contains ``marker``."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
                state = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if marker.encode() in cmdline and state not in (b"Z", b"X"):
                found.append(int(name))
    return found


def test_it_names_running_out_of_memory_under_the_cgroup(small_memory_pool: RenderPool, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        missing_service("per-sandbox cgroups need a root host")
    assert small_memory_pool.workers[0].cgroup is not None, "cgroups are usable on the test machine"
    result = _runner(small_memory_pool, tmp_path)(MEMORY_HOG)
    assert result["status"] == "err_exec"
    assert "ran out of memory: the job's limit is 512 MiB (RENDER_MEMORY_MB)" in result["error"], result["error"]
    assert run_cube(small_memory_pool, tmp_path)["status"] == "ok"


def test_it_does_not_count_address_space_against_the_limit(small_memory_pool: RenderPool, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        missing_service("per-sandbox cgroups need a root host")
    # 4 GiB reserved but barely touched: the old address-space limit refused this, resident memory allows it.
    result = _runner(small_memory_pool, tmp_path)(
        CUBE + "import mmap\nreserved = mmap.mmap(-1, 4 << 30)\nreserved[:1] = b'x'\nprint('mapped')\n"
    )
    assert result["status"] == "ok", result["error"]
    assert "mapped" in result["stdout"]


def test_it_names_running_out_of_memory_without_a_cgroup(tmp_path: Path) -> None:
    _require_bubblewrap()
    config = RenderConfig(workers=1, views=0, timeout_s=60, memory_mb=512, tmpfs_mb=64, cgroups=False)
    backstop = address_space_backstop(512)
    with RenderPool(config) as unlimited:
        assert unlimited.workers[0].cgroup is None
        # Above the address-space backstop, the allocation fails inside the script.
        result = _runner(unlimited, tmp_path)(
            f"import bpy\nimport numpy as np\nblob = np.ones(({backstop} << 20) // 8)\n", name="over.py"
        )
        assert result["status"] == "err_exec"
        assert re.fullmatch(
            rf"ran out of memory \(MemoryError, line 3\): the job's limit is 512 MiB \(RENDER_MEMORY_MB\); "
            rf"without a cgroup, its address space is capped at {backstop} MiB",
            result["error"],
        ), result["error"]
        assert run_cube(unlimited, tmp_path)["status"] == "ok"


def test_it_ends_the_processes_a_script_leaves_before_rendering(leftover_pool: RenderPool, tmp_path: Path) -> None:
    marker = f"{uuid.uuid4().int % 10**9 + 10**9}"
    # 300 sleepers, or as many as the task limit allows: left running, they would leave Blender no
    # room for its render threads.
    result = _runner(leftover_pool, tmp_path)(
        CUBE
        + f"""
import subprocess
children = []
while len(children) < 300:
    try:
        children.append(subprocess.Popen(["sleep", "{marker}"]))
    except OSError:
        break
print("started", len(children))
"""
    )
    assert result["status"] == "ok", result["error"]
    started = int(result["stdout"].split("started")[1].split()[0])
    assert started >= 250
    assert result["files"]["views"] == ["views/view_045.png"]
    assert f"[{started} leftover processes of the script ended before export]" in result["stderr"]
    deadline = time.monotonic() + 3
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_with(marker) == []


def test_it_ends_forked_leftovers_and_notes_none_without(leftover_pool: RenderPool, tmp_path: Path) -> None:
    run = _runner(leftover_pool, tmp_path)
    forked = run(CUBE + "import os, time\nfor _ in range(50):\n    if os.fork() == 0:\n        time.sleep(600)\n")
    assert forked["status"] == "ok", forked["error"]
    assert "[50 leftover processes of the script ended before export]" in forked["stderr"]
    clean = run(CUBE, name="clean.py")
    assert clean["status"] == "ok"
    assert "leftover" not in clean["stderr"]


def test_it_truncates_an_output_flood_instead_of_failing(run_script: Runner, pool: RenderPool) -> None:
    limit = pool.config.stdout_limit
    result = run_script(
        CUBE
        + """
import sys
print("FIRST LINE")
chunk = "A" * (1 << 20)
for _ in range(300):
    sys.stdout.write(chunk)
sys.stderr.write("E" * (3 << 20))
print("LAST LINE")
"""
    )
    assert result["status"] == "ok", result["error"]
    stdout = result["stdout"]
    assert stdout.startswith("FIRST LINE\n") and stdout.endswith("LAST LINE\n")
    dropped = int(re.search(r"\[\.\.\. (\d+) bytes of output dropped \.\.\.\]", stdout).group(1))
    assert dropped == len("FIRST LINE\n") + 300 * (1 << 20) + len("LAST LINE\n") - limit
    assert len(stdout) <= limit + 100
    assert "bytes of output dropped" in result["stderr"] and len(result["stderr"]) <= limit + 100


def test_it_keeps_short_output_whole() -> None:
    sink = Bounded(10)
    sink.feed(b"0123456789")
    assert sink.value() == b"0123456789"


def test_it_keeps_the_head_and_the_tail_of_long_output() -> None:
    sink = Bounded(10)
    for chunk in (b"abc", b"defgh", b"x" * 1000, b"12345"):
        sink.feed(chunk)
    assert sink.value() == b"abcde" + dropped_note(1013 - 10).encode() + b"12345"
    assert sink.total == 1013


def run_cube(target: RenderPool, tmp_path: Path) -> dict[str, object]:
    """A well-behaved job after a failed one: the worker must still serve."""
    return _runner(target, tmp_path)(CUBE, name="after.py")
