"""What a script cannot do inside the sandbox, checked with real attempts."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool, SandboxUnavailable
from tests.conftest import missing_service
from tests.renderer.conftest import CUBE, SECRET_ENV, SECRET_VALUE

PROJECT = Path(__file__).resolve().parents[2]


def _processes_with(marker: str) -> list[int]:
    """Host processes whose command line contains ``marker``."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(name))
    return found


def test_it_cannot_write_outside_the_job_directory(run_script, tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    targets = [Path.home() / f"escape_{token}", Path("/tmp") / f"escape_{token}", PROJECT / f"escape_{token}"]
    result = run_script(
        CUBE
        + "\n".join(
            f"try:\n    open({str(t)!r}, 'w').write('x')\n    print('wrote', {str(t)!r})\n"
            f"except OSError as exc:\n    print('denied', type(exc).__name__)"
            for t in targets
        )
    )
    assert result["status"] == "ok"
    for target in targets:
        assert not target.exists()
    # Inside, /tmp is a private tmpfs: the write may succeed there, never on the host.
    assert result["stdout"].count("denied") >= 2


def test_it_cannot_open_a_network_connection(run_script) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted: list[object] = []

    def accept() -> None:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            try:
                accepted.append(listener.accept())
            except TimeoutError:
                continue

    watcher = threading.Thread(target=accept)
    watcher.start()
    result = run_script(
        CUBE
        + f"""
import socket
for host in ("127.0.0.1", "1.1.1.1"):
    try:
        socket.create_connection((host, {port}), timeout=2).close()
        print("connected", host)
    except OSError as exc:
        print("blocked", host, type(exc).__name__)
"""
    )
    watcher.join()
    listener.close()
    assert result["status"] == "ok"
    assert accepted == []
    assert "connected" not in result["stdout"]
    assert result["stdout"].count("blocked") == 2


def test_it_cannot_read_files_of_the_project_or_home(run_script) -> None:
    token = uuid.uuid4().hex
    canaries = [PROJECT / f".canary_{token}", Path.home() / f".canary_{token}"]
    for canary in canaries:
        canary.write_text(token, encoding="utf-8")
    try:
        result = run_script(
            CUBE
            + "\n".join(
                f"try:\n    print('read', open({str(c)!r}).read())\nexcept OSError as exc:\n"
                f"    print('denied', type(exc).__name__)"
                for c in canaries
            )
            + "\nimport os\nprint('project', sorted(os.listdir("
            + repr(str(PROJECT))
            + ")))\n"
        )
    finally:
        for canary in canaries:
            canary.unlink()
    assert result["status"] == "ok"
    assert token not in result["stdout"]
    assert result["stdout"].count("denied") == 2
    # Only the virtual environment of the project tree is visible, read-only.
    assert "'renderer'" not in result["stdout"] and "manage.py" not in result["stdout"]


def test_it_does_not_pass_host_environment_secrets(run_script) -> None:
    assert os.environ[SECRET_ENV] == SECRET_VALUE
    result = run_script(
        CUBE
        + """
import os
print(dict(os.environ))
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            print(pid, open(f"/proc/{pid}/environ", "rb").read())
        except OSError as exc:
            print(pid, "denied", type(exc).__name__)
"""
    )
    assert result["status"] == "ok"
    assert SECRET_VALUE not in result["stdout"] and SECRET_ENV not in result["stdout"]


def test_it_kills_daemons_a_script_leaves_behind(run_script) -> None:
    marker = f"{uuid.uuid4().int % 10**9 + 10**9}"
    result = run_script(
        CUBE
        + f"""
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/usr/bin/sleep", ["sleep", "{marker}"])
    os._exit(0)
os.wait()
"""
    )
    assert result["status"] == "ok"
    assert _processes_with(marker) == []


def test_it_contains_a_fork_bomb(run_script, pool: RenderPool) -> None:
    marker = f"{uuid.uuid4().int % 10**9 + 10**9}"
    result = run_script(
        CUBE
        + f"""
import os
count = 0
try:
    while True:
        if os.fork() == 0:
            os.execv("/usr/bin/sleep", ["sleep", "{marker}"])
        count += 1
except OSError as exc:
    print("fork refused after", count, type(exc).__name__)
"""
    )
    assert result["status"] == "ok"
    assert "fork refused after" in result["stdout"]
    assert int(result["stdout"].split("after")[1].split()[0]) < pool.config.max_procs
    assert _processes_with(marker) == []


def test_it_turns_a_memory_hog_into_an_error(run_script) -> None:
    started = time.monotonic()
    result = run_script("import bpy\nblob = bytearray(16 * 1024 ** 3)\n")
    assert result["status"] == "err_exec"
    assert "ran out of memory" in result["error"]
    assert time.monotonic() - started < 30


def test_it_turns_a_huge_mesh_into_an_error_not_a_hang(run_script) -> None:
    started = time.monotonic()
    result = run_script("import bpy\nbpy.ops.mesh.primitive_grid_add(x_subdivisions=30000, y_subdivisions=30000)\n")
    assert result["status"] in ("err_exec", "err_export")
    assert time.monotonic() - started < 60
    assert run_script(CUBE, name="after.py")["status"] == "ok"


def test_it_cannot_see_other_jobs_files(run_script) -> None:
    first = run_script(CUBE + "open('left_behind.txt', 'w').write('x')\nopen('/tmp/left.txt', 'w').write('x')\n")
    second = run_script(
        CUBE + "import os\nprint(sorted(os.listdir('.')), sorted(os.listdir('/tmp')), sorted(os.listdir('/job/in')))\n",
        name="second.py",
    )
    assert first["status"] == second["status"] == "ok"
    assert "left_behind" not in second["stdout"] and "left.txt" not in second["stdout"]
    assert "job.py" not in second["stdout"]


def test_it_runs_jobs_as_an_unprivileged_user(run_script) -> None:
    result = run_script(CUBE + "import os\nprint('uid', os.getuid(), os.getgroups())\n")
    uid = int(result["stdout"].split("uid")[1].split()[0])
    assert uid != 0 or os.geteuid() != 0
    assert result["sandboxed"] is True


def test_it_names_the_cause_when_bubblewrap_is_missing(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        RenderPool(RenderConfig(workers=1), start=False)


def test_it_warns_on_every_job_without_sandbox(tmp_path: Path, caplog) -> None:
    script = tmp_path / "cube.py"
    script.write_text(CUBE, encoding="utf-8")
    with RenderPool(RenderConfig(workers=1, views=0, sandbox=False)) as unsafe:
        with caplog.at_level("WARNING", logger="renderer.runtime.pool"):
            first = unsafe.run(script, tmp_path / "a")
            second = unsafe.run(script, tmp_path / "b")
    assert first["status"] == second["status"] == "ok"
    assert first["sandboxed"] is False
    assert sum("WITHOUT sandbox" in record.message for record in caplog.records) >= 2


def test_it_names_the_cause_when_bubblewrap_fails_to_start(monkeypatch) -> None:
    from renderer.runtime import sandbox

    original = sandbox.sandbox_command
    monkeypatch.setattr(sandbox, "sandbox_command", lambda *args: ["bwrap", "--no-such-option", *original(*args)[1:]])
    unstartable = RenderPool(RenderConfig(workers=1), start=False)
    try:
        with pytest.raises(SandboxUnavailable, match="failed to start.*no-such-option"):
            unstartable.wait_ready()
    finally:
        unstartable.close()


def test_it_kills_the_whole_sandbox_at_the_time_limit(run_short) -> None:
    marker = f"{uuid.uuid4().int % 10**9 + 10**9}"
    result = run_short(
        CUBE
        + f"""
import os
if os.fork() == 0:
    os.setsid()
    os.execv("/usr/bin/sleep", ["sleep", "{marker}"])
while True:
    pass
"""
    )
    assert result["status"] == "err_timeout"
    assert _processes_with(marker) == []


def test_it_puts_each_sandbox_in_a_cgroup_of_its_own() -> None:
    if os.geteuid() != 0:
        missing_service("per-sandbox cgroups need a root host")
    config = RenderConfig(workers=2, views=0, timeout_s=30, memory_mb=1024, tmpfs_mb=64, max_procs=64, nice=12)
    own = RenderPool(config)
    directories: list[Path] = []
    try:
        own.wait_ready()
        for worker in own.workers:
            cgroup = worker.cgroup
            assert cgroup is not None, "cgroups are usable on the test machine (see docs/security.md)"
            limit = cgroup.read("memory", "memory.limit_in_bytes" if cgroup.version == 1 else "memory.max")
            assert int(limit) == (1024 + 64) << 20  # the job's memory and its private /tmp, together
            assert int(cgroup.read("pids", "pids.max")) == 64 + 16
            if cgroup.version == 1:
                assert int(cgroup.read("cpu", "cpu.shares")) == 70  # the kernel's weight of nice 12
            else:
                assert int(cgroup.read("cpu", "cpu.weight")) == 7
            # bwrap was started inside it, so its init and the zygote are in it too.
            assert worker.process is not None and worker.process.pid in cgroup.pids()
            assert len(cgroup.pids()) >= 3
            directories += cgroup.dirs.values()
        assert len(set(directories)) == len(directories)
    finally:
        own.close()
    assert [path for path in directories if path.exists()] == []
