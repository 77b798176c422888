"""Fixtures of the hostile-script suite: sandboxed pools, host-side probes and leak checks.

Every hostile script in ``scripts/`` runs through a real :class:`RenderPool`
(real ``bpy`` in real bubblewrap sandboxes). :func:`hostile` runs one and,
whatever the script tried, checks afterwards that

- no process of a worker's user id survives the job, apart from the
  worker's own zygote (the host view, through ``/proc``);
- every worker's ``/job`` directory is empty again;
- the host stayed responsive: a trivial host operation (spawning ``true``)
  was timed in a background thread during the job, and once after it.

Scripts are plain files with ``@NAME@`` placeholders (a port, a token, a
path) that the test fills in before the run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool, Worker
from tests.conftest import ROOT, missing_service

SCRIPTS = Path(__file__).parent / "scripts"
PROJECT = ROOT
HOME = Path.home()

# Planted before any worker starts: no sandbox may ever see it.
SECRET_ENV = "ARENA_SECURITY_TEST_SECRET"
SECRET_VALUE = "hostile-" + uuid.uuid4().hex
os.environ[SECRET_ENV] = SECRET_VALUE

# The main pool: generous enough for every script that ends by itself.
CONFIG = RenderConfig(workers=2, views=0, timeout_s=10, memory_mb=2048, max_file_mb=64, tmpfs_mb=64)
# Runaway scripts (and scripts that kill their worker) use a shorter limit.
RUNAWAY_CONFIG = RenderConfig(workers=2, views=0, timeout_s=4, memory_mb=2048, max_file_mb=64, tmpfs_mb=64)
# Scripts that must reach a kernel limit (CPU time, memory) before the host's time limit. Jobs
# run at a low CPU priority and the machine may be busy: a long limit keeps them apart.
LIMITS_CONFIG = RenderConfig(workers=1, views=0, timeout_s=30, memory_mb=2048, max_file_mb=64, tmpfs_mb=64)
# Host-side slack on top of a time limit: killing the sandbox, copying, cleaning.
MARGIN_S = 3.0
# A host thread that wakes up must never be later than this, even during a fork bomb.
WAKE_S = 1.0
# Starting a host process may take this long at worst: a fork bomb competes for the same
# cores; on 2 cores it took up to 2.4 s before jobs ran at a low CPU weight (docs/security.md).
SPAWN_S = 6.0
# How long killed processes may take to disappear from /proc.
SETTLE_S = 3.0


@dataclass
class Outcome:
    """What one hostile job produced, as seen from the host."""

    result: dict[str, Any]
    elapsed: float
    out_dir: Path
    worst_wake: float
    worst_spawn: float

    @property
    def text(self) -> str:
        """Everything the job reported back, as one string."""
        return "\n".join(str(self.result.get(key, "")) for key in ("error", "traceback", "stdout", "stderr"))

    def output_bytes(self) -> bytes:
        """The concatenated content of every file the job left in ``out_dir``."""
        return b"".join(path.read_bytes() for path in sorted(self.out_dir.rglob("*")) if path.is_file())


# Observed status and time per script, printed at the end of the session.
OBSERVED: list[tuple[str, str, float, float, float, str]] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not OBSERVED:
        return
    terminalreporter.section("hostile scripts: observed status and wall time")
    terminalreporter.write_line(f"{'script':<28} {'status':<12} {'wall':>8}  {'wake':>7}  {'spawn':>7}  error")
    for name, status, elapsed, wake, spawn, error in OBSERVED:
        line = f"{name:<28} {status:<12} {elapsed:6.2f} s  {wake:5.3f} s  {spawn:5.3f} s  {error[:50]}"
        terminalreporter.write_line(line)


# -- host-side observation ------------------------------------------------------------------------


@dataclass(frozen=True)
class HostProcess:
    pid: int
    uid: int
    ppid: int
    state: str
    ns_pid: int

    @property
    def cmdline(self) -> str:
        try:
            return Path(f"/proc/{self.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return "?"


def host_processes() -> dict[int, HostProcess]:
    """Every process of the host, from ``/proc/<pid>/status``."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = dict(
                line.split(":", 1) for line in Path(f"/proc/{name}/status").read_text().splitlines() if ":" in line
            )
            table[int(name)] = HostProcess(
                pid=int(name),
                uid=int(fields["Uid"].split()[0]),
                ppid=int(fields["PPid"]),
                state=fields["State"].split()[0],
                ns_pid=int(fields["NSpid"].split()[-1]),
            )
        except (OSError, KeyError, ValueError):
            continue
    return table


def zygote_of(worker: Worker, table: dict[int, HostProcess]) -> HostProcess | None:
    """The worker's zygote: PID 2 of its sandbox, child of bwrap's init (PID 1).

    A process the job detached is re-parented to the same init, so the
    position in the namespace (only the first child of init is PID 2) tells
    the zygote apart, not the parent alone.
    """
    if worker.process is None or worker.uid is None:
        return None
    for proc in table.values():
        init = table.get(proc.ppid)
        if (
            proc.uid == worker.uid
            and proc.ns_pid == 2
            and init is not None
            and init.ns_pid == 1
            and init.uid == 0
            and init.ppid == worker.process.pid
        ):
            return proc
    return None


def job_processes(pool: RenderPool) -> list[str]:
    """Living host processes of the pool's worker users, other than the zygotes."""
    table = host_processes()
    found = []
    for worker in pool.workers:
        zygote = zygote_of(worker, table)
        for proc in table.values():
            if proc.uid == worker.uid and proc.state not in ("Z", "X") and proc != zygote:
                found.append(f"pid {proc.pid} uid {proc.uid} state {proc.state}: {proc.cmdline[:120]}")
    return found


def processes_with(marker: str) -> list[int]:
    """Host processes whose command line contains ``marker``."""
    return [proc.pid for proc in host_processes().values() if marker in proc.cmdline]


def spawn_time() -> float:
    """Seconds it takes the host to start ``true`` and wait for it."""
    started = time.monotonic()
    subprocess.run(["true"], check=True, timeout=60)
    return time.monotonic() - started


def wake_time(scratch: Path) -> float:
    """Seconds a host thread is late after a 20 ms sleep plus a small file write and read."""
    started = time.monotonic()
    time.sleep(0.02)
    scratch.write_bytes(b"probe")
    scratch.read_bytes()
    return time.monotonic() - started - 0.02


class Probe:
    """Time a wake-up and a process start every 0.1 s in background threads; keep the worst of each."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.worst_wake = 0.0
        self.worst_spawn = 0.0
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._wake_loop, daemon=True),
            threading.Thread(target=self._spawn_loop, daemon=True),
        ]

    def _wake_loop(self) -> None:
        while not self.stop.is_set():
            self.worst_wake = max(self.worst_wake, wake_time(self.scratch))

    def _spawn_loop(self) -> None:
        while not self.stop.is_set():
            self.worst_spawn = max(self.worst_spawn, spawn_time())
            self.stop.wait(0.1)

    def __enter__(self) -> Probe:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def assert_nothing_left(pool: RenderPool) -> None:
    """No job process survives, every worker has its zygote, every ``/job`` is empty."""
    pool.wait_ready()
    deadline = time.monotonic() + SETTLE_S
    while (leftovers := job_processes(pool)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert leftovers == [], "processes of a job survived it"
    table = host_processes()
    for worker in pool.workers:
        assert zygote_of(worker, table) is not None, f"worker {worker.index} has no zygote"
        for name in ("in", "out", "tmp"):
            assert list((worker.job_dir / name).iterdir()) == [], f"slot {worker.index} /job/{name} not emptied"


def worker_of_uid(pool: RenderPool, uid: int) -> Worker:
    return next(worker for worker in pool.workers if worker.uid == uid)


def zygote_pids(pool: RenderPool) -> dict[int, int | None]:
    """Host PID of each worker's zygote, by slot."""
    table = host_processes()
    return {worker.index: (z.pid if (z := zygote_of(worker, table)) else None) for worker in pool.workers}


# -- fixtures ---------------------------------------------------------------------------------------


def _require_bubblewrap() -> None:
    if shutil.which("bwrap") is None:
        missing_service("needs bubblewrap (apt-get install bubblewrap)")
    if os.geteuid() != 0:
        # The per-slot user ids, and so the host-side process checks, need a root host.
        missing_service("the hostile-script suite checks per-slot user ids: run it as root")


@pytest.fixture(autouse=True)
def _needs_bubblewrap() -> None:
    _require_bubblewrap()


@pytest.fixture(scope="session")
def pool() -> Iterator[RenderPool]:
    """Two warm sandboxed workers with the main limits."""
    _require_bubblewrap()
    with RenderPool(CONFIG) as shared:
        yield shared


@pytest.fixture(scope="session")
def runaway_pool() -> Iterator[RenderPool]:
    """Two warm sandboxed workers with a 4 s limit, for scripts that never end or kill their worker."""
    _require_bubblewrap()
    with RenderPool(RUNAWAY_CONFIG) as shared:
        yield shared


@pytest.fixture(scope="session")
def limits_pool() -> Iterator[RenderPool]:
    """One warm sandboxed worker with a 30 s limit, for scripts that run into a kernel limit."""
    _require_bubblewrap()
    with RenderPool(LIMITS_CONFIG) as shared:
        yield shared


Hostile = Callable[..., Outcome]


def render_script(name: str, target: Path, params: dict[str, object]) -> Path:
    """Copy ``scripts/<name>`` to ``target`` with its ``@NAME@`` placeholders filled in."""
    text = (SCRIPTS / name).read_text(encoding="utf-8")
    for key, value in params.items():
        text = text.replace(f"@{key}@", str(value))
    missing = re.findall(r"@[A-Z_]+@", text)
    assert not missing, f"{name}: unfilled placeholders {missing}"
    target.write_text(text, encoding="utf-8")
    return target


def _hostile_runner(target: RenderPool, tmp_path: Path) -> Hostile:
    def run(name: str, on_progress: Callable[[str, float], None] | None = None, **params: object) -> Outcome:
        """Run ``scripts/<name>`` through the pool and check the host afterwards."""
        target.wait_ready()  # a replacement worker's start-up is not the job's time
        script = render_script(name, tmp_path / name, params)
        out_dir = tmp_path / f"out_{script.stem}"
        with Probe(tmp_path / "probe") as probe:
            started = time.monotonic()
            result = target.run(script, out_dir, on_progress=on_progress)
            elapsed = time.monotonic() - started
        OBSERVED.append((name, result["status"], elapsed, probe.worst_wake, probe.worst_spawn, result["error"]))
        assert_nothing_left(target)
        assert probe.worst_wake < WAKE_S, f"a host thread woke {probe.worst_wake:.2f} s late during the job"
        assert probe.worst_spawn < SPAWN_S, f"starting a host process took {probe.worst_spawn:.2f} s during the job"
        assert spawn_time() < 2.0 and wake_time(tmp_path / "probe") < WAKE_S
        assert result["sandboxed"] is True
        assert elapsed < target.config.timeout_s + MARGIN_S
        return Outcome(result, elapsed, out_dir, probe.worst_wake, probe.worst_spawn)

    return run


@pytest.fixture
def hostile(pool: RenderPool, tmp_path: Path) -> Hostile:
    """Run a script of ``scripts/`` through the main pool, with the host-side checks."""
    return _hostile_runner(pool, tmp_path)


@pytest.fixture
def runaway(runaway_pool: RenderPool, tmp_path: Path) -> Hostile:
    """Run a script of ``scripts/`` through the 4 s pool, with the host-side checks."""
    return _hostile_runner(runaway_pool, tmp_path)


@pytest.fixture
def limited(limits_pool: RenderPool, tmp_path: Path) -> Hostile:
    """Run a script of ``scripts/`` through the 30 s pool, with the host-side checks."""
    return _hostile_runner(limits_pool, tmp_path)


@pytest.fixture
def token() -> str:
    """A random string to plant on the host and look for in what comes back."""
    return "canary-" + uuid.uuid4().hex


def run_plain(target: RenderPool, tmp_path: Path, source: str, name: str) -> dict[str, Any]:
    """Run a small well-behaved script (used to check a pool after an attack)."""
    script = tmp_path / name
    script.write_text(source, encoding="utf-8")
    return target.run(script, tmp_path / f"out_{script.stem}")


WHOAMI_CUBE = "import os, bpy\nprint('uid', os.getuid())\nbpy.ops.mesh.primitive_cube_add()\n"


def run_on_worker(target: RenderPool, worker: Worker, tmp_path: Path, source: str) -> dict[str, Any]:
    """Run ``source`` (which must print ``uid <n>``) until it lands on ``worker``."""
    for attempt in range(len(target.workers) + 1):
        result = run_plain(target, tmp_path, source, f"follow_up_{attempt}.py")
        if f"uid {worker.uid}\n" in result["stdout"]:
            return result
    raise AssertionError(f"no follow-up job ran on worker {worker.index}")
