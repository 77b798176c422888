"""A pool of warm, sandboxed Blender workers (host side, never imports ``bpy``).

Usage::

    from renderer.runtime.config import RenderConfig
    from renderer.runtime.pool import RenderPool

    with RenderPool(RenderConfig(workers=2)) as pool:
        result = pool.run("script.py", "out/script", on_progress=print)

:meth:`RenderPool.run` blocks, may be called from several threads at once
(up to ``config.workers`` jobs run in parallel) and always returns a result
dict and writes ``out_dir/result.json``, whatever the script does: a job that
exceeds its time limit, crashes Blender or kills its worker gets an error
status, and the worker is replaced.

How a job crosses into the sandbox: each worker owns a host directory
mounted at ``/job``. Before a job the host copies the input to ``/job/in``
and creates empty ``/job/out`` and ``/job/tmp``; after it, the zygote has
already killed every process the job left, and the host copies the
expected output files out (regular files only, never following links) and
deletes the rest. A job therefore never sees another job's files.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import queue
import re
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from . import glb, sandbox
from .config import RenderConfig, StageOrder, job_stages
from .sandbox import CgroupUnavailable, SandboxUnavailable, SlotCgroup

__all__ = ["RenderPool", "SandboxUnavailable", "STATUSES"]

logger = logging.getLogger(__name__)

STATUSES = ("ok", "err_exec", "err_no_mesh", "err_timeout", "err_export", "err_render")
SCRIPT_SUFFIXES = (".py",)
MESH_SUFFIXES = (".glb", ".gltf", ".obj", ".ply", ".stl")
MAX_LINE = 1 << 20
MAX_RESULT_BYTES = 16 << 20
VIEW_NAME = re.compile(r"view_\d{3}\.png")
MAX_VIEW_BYTES = 32 << 20
STAGE_STATUS = {"exporting": "err_export", "rendering": "err_render"}
# Signals with which Blender itself crashes, as opposed to being killed.
CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGILL, signal.SIGFPE, signal.SIGTRAP}
ALLOCATION_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT}
# The kernel checks RLIMIT_CPU against tick-sampled CPU time; the precise time a dead process
# shows can be lower on a busy machine (1.7 s for a 2 s limit was seen): a kill after this share
# of the limit counts as the limit's.
CPU_LIMIT_SHARE = 0.75
# Without a cgroup, the job's address space is capped at memory_mb x factor + extra (see
# address_space_backstop).
ADDRESS_SPACE_FACTOR = 2
ADDRESS_SPACE_EXTRA_MB = 4096
# Tasks of a sandbox beyond the job's max_procs: bwrap's init and the zygote's threads.
EXTRA_TASKS = 16

ProgressCallback = Callable[[str, float], None]


class WorkerDied(Exception):
    """The worker's zygote stopped answering (crashed or was killed)."""


class _LineReader:
    """Read newline-terminated messages from a pipe with a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def readline(self, deadline: float) -> bytes:
        """Return the next line (without newline).

        Raises
        ------
        TimeoutError
            When ``deadline`` (a ``time.monotonic`` value) passes first.
        WorkerDied
            On end of file or an over-long line.
        """
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise WorkerDied("worker closed its pipe")
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE:
                raise WorkerDied("worker sent an over-long message")
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line


def _kill_user_processes(uid: int) -> None:
    """SIGKILL every host process whose real user id is ``uid``.

    The slot's user id belongs to the slot alone, so this only reaches
    what a sandbox of that slot left behind.
    """
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", encoding="utf-8") as handle:
                uid_line = next(line for line in handle if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if int(uid_line.split()[1]) == uid:
            try:
                os.kill(int(name), signal.SIGKILL)
            except OSError:
                pass


def _safe_name(path: Path) -> str:
    """A file name for the input inside the sandbox (keeps the suffix)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", path.name)[-100:].lstrip(".")
    return name or "input.py"


def _open_regular(dir_fd: int, name: str, max_bytes: int) -> int | None:
    """Open ``name`` in ``dir_fd`` if it is a regular file, not a link, small enough."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        os.close(fd)
        return None
    return fd


def _copy_out(dir_fd: int, name: str, target: Path, max_bytes: int) -> bool:
    """Copy one output file out of the sandbox directory; False if unusable."""
    fd = _open_regular(dir_fd, name, max_bytes)
    if fd is None:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(fd, "rb") as source, open(target, "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
    return True


def _open_dir(path: Path, dir_fd: int | None = None) -> int | None:
    """Open a directory without following a symbolic link."""
    try:
        return os.open(str(path), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return None


def _text(value: Any, limit: int) -> str:
    """A string of at most ``limit`` characters."""
    return value[:limit] if isinstance(value, str) else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(value: Any) -> Any:
    """Keep numbers and flat lists of numbers; drop anything else (no recursion on untrusted data)."""
    if _is_number(value):
        return value
    if isinstance(value, list) and len(value) <= 16 and all(_is_number(item) for item in value):
        return list(value)
    return None


def _clean_numbers(value: Any) -> dict[str, Any]:
    """A flat dict of numbers from untrusted data."""
    if not isinstance(value, dict):
        return {}
    clean = {}
    for key, item in list(value.items())[:64]:
        number = _numbers(item)
        if number is not None:
            clean[str(key)[:64]] = number
    return clean


def sanitise_result(raw: Any, stdout_limit: int) -> dict[str, Any]:
    """Validate a ``result.json`` written inside the sandbox.

    The job process runs the untrusted script, so its report is checked
    field by field: known status, bounded strings, numbers only in stats
    and timings. The ``files`` entry is rebuilt by the host.
    """
    data = raw if isinstance(raw, dict) else {}
    status = data.get("status")
    return {
        "status": status if status in STATUSES else "err_exec",
        "error": _text(data.get("error"), 2000) if status in STATUSES else "job wrote an invalid result",
        "traceback": _text(data.get("traceback"), 20000),
        "stdout": _text(data.get("stdout"), stdout_limit + 100),
        "stderr": _text(data.get("stderr"), stdout_limit + 100),
        "stats": _clean_numbers(data.get("stats")),
        "timings": _clean_numbers(data.get("timings")),
        "files": {},
    }


def failure_result(status: str, error: str) -> dict[str, Any]:
    """A result for a job that produced no report of its own."""
    return {
        "status": status,
        "error": error,
        "traceback": "",
        "stdout": "",
        "stderr": "",
        "stats": {},
        "timings": {},
        "files": {},
    }


def _signal_name(number: int) -> str:
    return signal.Signals(number).name if number in signal.valid_signals() else str(number)


def _hit_cpu_limit(number: int, cpu: Any, limits: Any) -> bool:
    """Whether a job that died of signal ``number`` was stopped by ``RLIMIT_CPU``.

    The kernel sends ``SIGXCPU`` at the soft limit (raising the soft limit
    by a second each time, so it shows one more at death) and ``SIGKILL`` at
    the hard limit. The same signal from anywhere else comes with far less
    CPU time used.
    """
    if not _is_number(cpu) or not isinstance(limits, list) or len(limits) != 2:
        return False
    soft, hard = limits
    if number == signal.SIGKILL and _is_number(hard):
        return bool(cpu >= CPU_LIMIT_SHARE * hard)
    if number == signal.SIGXCPU and _is_number(soft):
        return bool(cpu >= CPU_LIMIT_SHARE * (soft - 1))
    return False


def out_of_memory(memory_mb: int) -> str:
    """The words that name a job that ran out of memory, with its limit."""
    return f"ran out of memory: the job's limit is {memory_mb} MiB (RENDER_MEMORY_MB)"


def _oom_note(oom_kills: int, memory_mb: int | None) -> str:
    """What the out-of-memory killer did during a job, as the end of an error message.

    ``memory_mb`` is the job's limit when the sandbox's cgroup enforces it,
    None when the kill concerns the whole machine.
    """
    processes = "process" if oom_kills == 1 else "processes"
    if memory_mb:
        return f"{out_of_memory(memory_mb)}; the kernel's out-of-memory killer ended {oom_kills} {processes}"
    return f"the kernel's out-of-memory killer ended {oom_kills} {processes} on this machine"


def address_space_backstop(memory_mb: int) -> int:
    """The ``RLIMIT_AS`` of a job without a cgroup, in MiB: well above its resident limit.

    Blender reserves far more address space than it touches (thread stacks,
    allocator arenas); the reference factories map 2-3 GiB more than they
    hold (docs/benchmarks.md), so only a runaway allocation meets this.
    """
    return memory_mb * ADDRESS_SPACE_FACTOR + ADDRESS_SPACE_EXTRA_MB


def _ended_early(
    done: dict[str, Any],
    stage: str,
    oom_kills: int,
    memory_mb: int | None,
    address_space_mb: int = 0,
    memory_limit: int = 0,
) -> dict[str, Any]:
    """Describe a job process that exited without writing its result.

    Parameters
    ----------
    done : dict
        The zygote's report: exit code (negative: the signal), the job
        process's own CPU time and the ``RLIMIT_CPU`` in force when it died.
    stage : str
        The last stage the job reached.
    oom_kills : int
        Processes the out-of-memory killer ended during the job: in the
        sandbox's cgroup (``memory_mb`` given), else on the whole machine.
    memory_mb : int or None
        The job's memory limit (``RenderConfig.memory_mb``), when the
        sandbox's cgroup enforces it.
    address_space_mb : int
        The address-space backstop of a job without a cgroup (0: none).
    memory_limit : int
        The job's memory limit, named when the zygote killed the job for
        exceeding it.
    """
    status = STAGE_STATUS.get(stage.split(" ")[0], "err_exec")
    exit_code = done.get("exit", 0)
    if not isinstance(exit_code, int) or isinstance(exit_code, bool):
        exit_code = 0
    if exit_code >= 0:
        return failure_result(status, f"script ended the process (exit code {exit_code}) while {stage}")
    number = -exit_code
    name = _signal_name(number)
    if number == signal.SIGKILL and done.get("out_of_memory") is True and memory_limit:
        # The zygote killed the job for its resident memory (see zygote.Zygote._relay_progress).
        return failure_result(status, f"Blender {out_of_memory(memory_limit)} (while {stage})")
    cpu = done.get("cpu_s")
    if _hit_cpu_limit(number, cpu, done.get("cpu_limit_s")):
        return failure_result("err_timeout", f"job exceeded its CPU-time limit ({cpu:.1f} s of CPU time; {name})")
    if number == signal.SIGKILL and oom_kills > 0:
        if memory_mb:
            return failure_result(status, f"Blender {_oom_note(oom_kills, memory_mb)} (while {stage})")
        return failure_result(status, f"Blender was killed ({name}) while {stage}: {_oom_note(oom_kills, None)}")
    if number in CRASH_SIGNALS:
        hint = ""
        if address_space_mb and number in ALLOCATION_SIGNALS:
            # A failed allocation aborts (std::bad_alloc) or dereferences NULL.
            hint = (
                f": it may have run out of memory (without a cgroup, the job's address space is capped"
                f" at {address_space_mb} MiB, from RENDER_MEMORY_MB)"
            )
        return failure_result(status, f"Blender crashed ({name}) while {stage}{hint}")
    return failure_result(status, f"Blender was killed ({name}) while {stage}")


class Worker:
    """One sandboxed zygote and the host directory it shares with it.

    Parameters
    ----------
    config : RenderConfig
        Pool settings.
    root : Path
        Private host directory of the pool; the worker uses ``root/slot<n>``.
    index : int
        Slot number.
    spawner : ThreadPoolExecutor
        Single long-lived thread that starts processes. ``bwrap
        --die-with-parent`` ties the sandbox to the thread that started it,
        so sandboxes must not be started from short-lived request threads.
    """

    def __init__(self, config: RenderConfig, root: Path, index: int, spawner: ThreadPoolExecutor) -> None:
        self.config = config
        self.index = index
        self.spawner = spawner
        self.sandboxed = config.sandbox
        self.lease = (
            sandbox.UidLease(config.uid_base, Path(tempfile.gettempdir()) / "arena-render-uids")
            if config.sandbox and sandbox.running_as_root()
            else None
        )
        self.host_dir = root / f"slot{index}"
        self.job_dir = self.host_dir / "job"
        self.inside = sandbox.JOB_DIR if config.sandbox else str(self.job_dir)
        self.process: subprocess.Popen[bytes] | None = None
        self.reader: _LineReader | None = None
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self.start_error: Exception | None = None
        self.lock = threading.Lock()
        self.jobs = 0
        self.cgroup = self._make_cgroup()
        self.oom_before = 0

    @property
    def uid(self) -> int | None:
        """The slot's unprivileged user id, when the host runs as root."""
        return self.lease.uid if self.lease else None

    def _make_cgroup(self) -> SlotCgroup | None:
        """The slot's control group, or None (with the reason logged) where there is none."""
        if not (self.config.sandbox and self.config.cgroups):
            return None
        try:
            if self.uid is None:
                raise CgroupUnavailable("the host does not run as root")
            return SlotCgroup(
                f"arena-render-{self.uid}",
                memory_bytes=(self.config.memory_mb + self.config.tmpfs_mb) << 20,
                max_tasks=self.config.max_procs + EXTRA_TASKS,
                cpu_weight=sandbox.cpu_weight_of_nice(self.config.nice),
            )
        except CgroupUnavailable as exc:
            logger.warning(
                "render worker %d runs without a cgroup (%s): memory is limited per process only, by an "
                "address-space backstop of %d MiB, and CPU priority by niceness only",
                self.index,
                exc,
                address_space_backstop(self.config.memory_mb),
            )
            return None

    @property
    def memory_limit_mb(self) -> int | None:
        """The job's memory limit, when the sandbox's cgroup enforces it (with ``tmpfs_mb`` for its /tmp)."""
        return self.config.memory_mb if self.cgroup is not None else None

    @property
    def address_space_mb(self) -> int:
        """The job's ``RLIMIT_AS`` in MiB: none (0) under a cgroup, else a generous backstop."""
        return 0 if self.cgroup is not None else address_space_backstop(self.config.memory_mb)

    def oom_kills(self) -> int:
        """The out-of-memory kill count that covers this worker: its cgroup's, else the machine's."""
        return self.cgroup.oom_kills() if self.cgroup is not None else sandbox.host_oom_kills()

    # -- life cycle -------------------------------------------------------

    def alive(self) -> bool:
        """Whether the zygote process is running."""
        return self.process is not None and self.process.poll() is None

    def start_async(self) -> None:
        """Start the zygote in the background (errors surface on first use)."""
        threading.Thread(target=self._warm, name=f"render-warm-{self.index}", daemon=True).start()

    def _warm(self) -> None:
        """Background start; a failure is kept for the next job to report."""
        try:
            self.ensure_started()
        except Exception as exc:  # noqa: BLE001 - kept and re-raised by the next job
            self.start_error = exc

    def ensure_started(self) -> None:
        """Start the zygote if it is not running and wait until it is ready."""
        with self.lock:
            if self.alive():
                return
            self._start()

    def _prepare_dirs(self) -> None:
        """Create the empty ``/job`` layout, owned so that only the job can write."""
        if self.job_dir.exists():
            _remove_tree(self.job_dir)
        self.host_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.job_dir.mkdir(mode=0o755)
        for name in ("in", "out", "tmp"):
            (self.job_dir / name).mkdir(mode=0o755 if name != "tmp" else 0o700)
            if self.uid is not None and name != "in":
                os.chown(self.job_dir / name, self.uid, self.uid)

    def _command(self) -> tuple[list[str], dict[str, str] | None]:
        """Argument vector and environment of the zygote process."""
        if self.sandboxed:
            # bwrap's own processes (the sandbox's init) keep the environment
            # they were started with, so they get none of the host's.
            return sandbox.sandbox_command(self.config, self.job_dir, self.uid), {}
        return sandbox.direct_command(self.config)

    def _start(self) -> None:
        """Launch the zygote and wait for its ready message."""
        if self.uid is not None:
            # Leftovers of a host process that died without cleaning up would
            # count against this slot's process limit.
            _kill_user_processes(self.uid)
        self._prepare_dirs()
        argv, env = self._command()
        self.stderr_tail.clear()
        # The sandbox joins the slot's cgroup before bwrap starts, so every process it makes is in it.
        join = partial(sandbox.join_cgroups, self.cgroup.entry_paths()) if self.cgroup is not None else None
        self.process = self.spawner.submit(
            subprocess.Popen,
            argv,
            preexec_fn=join,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(self.job_dir),
            start_new_session=True,
        ).result()
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True).start()
        self.reader = _LineReader(self.process.stdout.fileno())
        try:
            ready = json.loads(self.reader.readline(time.monotonic() + self.config.start_timeout_s))
        except (TimeoutError, WorkerDied, ValueError) as exc:
            self.kill()
            raise self._start_failure(exc) from None
        if not ready.get("ready"):
            self.kill()
            raise self._start_failure(ValueError(f"unexpected first message {ready!r}"))
        self.sandboxed = self.config.sandbox and bool(ready.get("sandboxed"))
        self.start_error = None

    def _start_failure(self, exc: Exception) -> Exception:
        """The exception to raise for a worker that did not start, with its stderr."""
        time.sleep(0.05)  # let the drain thread collect the last words
        tail = " | ".join(line for line in self.stderr_tail if line.strip())[-1500:]
        cause = "timed out" if isinstance(exc, TimeoutError) else str(exc)
        if self.config.sandbox:
            return SandboxUnavailable(f"sandboxed render worker failed to start ({cause}): {tail}")
        return RuntimeError(f"render worker failed to start ({cause}): {tail}")

    def _drain(self, stream: Any) -> None:
        """Keep the last lines of the worker's stderr for error messages."""
        for raw in stream:
            self.stderr_tail.append(raw.decode("utf-8", errors="replace").rstrip())

    def kill(self) -> None:
        """Kill the whole sandbox (its PID namespace dies with it)."""
        process = self.process
        if self.cgroup is not None:
            # Every process of the sandbox, bwrap included, at a normal CPU weight while they exit.
            self.cgroup.kill()
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
        if self.uid is not None:
            _kill_user_processes(self.uid)
        self.process = None
        self.reader = None

    def close(self) -> None:
        """Stop the worker and release its user id."""
        with self.lock:
            self.kill()
            if self.cgroup is not None:
                self.cgroup.remove()
            if self.lease is not None:
                self.lease.release()
            shutil.rmtree(self.host_dir, ignore_errors=True)

    # -- jobs ---------------------------------------------------------------

    def run(self, input_path: Path, out_dir: Path, on_progress: ProgressCallback | None) -> dict[str, Any]:
        """Run one job on this worker and collect its outputs into ``out_dir``."""
        self.ensure_started()
        if not self.config.sandbox:
            logger.warning("render job runs WITHOUT sandbox (sandbox=False): %s", input_path)
        started = time.monotonic()
        _notify(on_progress, "starting", 0.0)
        self.oom_before = self.oom_kills()
        if self.cgroup is not None:
            self.cgroup.reset_peak()
        try:
            name = self._stage_input(input_path)
            result = self._exchange(name, on_progress, started + self.config.timeout_s)
            self._collect(result, out_dir)
        finally:
            # Whatever happened, the next job starts from an empty directory.
            self.jobs += 1
            self._reset_job_dir()
        if "glb" in result["files"] and self.config.compress == "meshopt":
            _meshopt_compress(result, out_dir / "model.glb")
        if not self.alive():
            # Warm a replacement now so the next job does not wait for it.
            self.kill()
            self.start_async()
        result["timings"]["total"] = time.monotonic() - started
        timings = result["timings"]
        timings["overhead"] = max(0.0, timings["total"] - timings.get("script", 0.0) - timings.get("render", 0.0))
        result["sandboxed"] = self.sandboxed
        (out_dir / "result.json").write_text(json.dumps(result), encoding="utf-8")
        _notify(on_progress, "done", 1.0)
        return result

    def _stage_input(self, input_path: Path) -> str:
        """Copy the input into ``/job/in``; return its name there."""
        name = _safe_name(input_path)
        target = self.job_dir / "in" / name
        shutil.copyfile(input_path, target)
        os.chmod(target, 0o644)
        return name

    def _exchange(self, name: str, on_progress: ProgressCallback | None, deadline: float) -> dict[str, Any]:
        """Send the request, relay progress, and read the job's report."""
        assert self.process is not None and self.process.stdin is not None and self.reader is not None
        request = {
            "id": self.jobs,
            "input": f"{self.inside}/in/{name}",
            "out": f"{self.inside}/out",
            "tmp": f"{self.inside}/tmp",
            "settings": {**self.config.job_settings(), "address_space_mb": self.address_space_mb},
        }
        # Only known stage names, each once and in order, whatever the job wrote (the
        # zygote filters the same way); the fraction is the host's own.
        stages = StageOrder(job_stages(self.config.views))
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.process.stdin.flush()
            while True:
                message = json.loads(self.reader.readline(deadline))
                if not isinstance(message, dict):
                    continue
                if "progress" in message:
                    fraction = stages.advance(message["progress"])
                    if fraction is not None:
                        _notify(on_progress, stages.stage, fraction)
                elif message.get("done") == request["id"]:
                    return self._report(message, stages.stage)
        except TimeoutError:
            self.kill()
            return failure_result(
                "err_timeout", f"job exceeded the time limit of {self.config.timeout_s:g} s (wall clock) and was killed"
            )
        except (WorkerDied, BrokenPipeError, ValueError) as exc:
            oom_kills = self.oom_kills() - self.oom_before
            self.kill()
            note = f"; {_oom_note(oom_kills, self.memory_limit_mb)}" if oom_kills > 0 else ""
            return failure_result("err_exec", f"render worker died during the job ({exc}){note}")

    def _report(self, done: dict[str, Any], stage: str) -> dict[str, Any]:
        """Read ``result.json``, or explain why the job did not write one."""
        out_fd = _open_dir(self.job_dir / "out")
        fd = _open_regular(out_fd, "result.json", MAX_RESULT_BYTES) if out_fd is not None else None
        if out_fd is not None:
            os.close(out_fd)
        if fd is None:
            oom_kills = self.oom_kills() - self.oom_before
            return _ended_early(
                done, stage, oom_kills, self.memory_limit_mb, self.address_space_mb, self.config.memory_mb
            )
        with os.fdopen(fd, "rb") as handle:
            try:
                raw = json.loads(handle.read())
            except (ValueError, RecursionError):
                raw = None
        return sanitise_result(raw, self.config.stdout_limit)

    def _collect(self, result: dict[str, Any], out_dir: Path) -> None:
        """Copy the expected outputs to ``out_dir`` and list them in ``files``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_outputs(out_dir)
        files: dict[str, Any] = {}
        limit = self.config.max_file_mb << 20
        out_fd = _open_dir(self.job_dir / "out")
        if out_fd is not None:
            try:
                for key, name in (("glb", "model.glb"), ("mesh", "mesh.glb")):
                    if result["status"] in ("ok", "err_render") and _copy_out(out_fd, name, out_dir / name, limit):
                        files[key] = name
                views = self._collect_views(out_fd, out_dir, limit) if result["status"] == "ok" else []
                if views:
                    files["views"] = views
            finally:
                os.close(out_fd)
        if result["status"] == "ok" and "glb" not in files:
            result.update(status="err_export", error="the job reported success but wrote no model.glb")
        result["files"] = files

    def _collect_views(self, out_fd: int, out_dir: Path, limit: int) -> list[str]:
        """Copy ``views/view_NNN.png`` files; return their relative paths."""
        views_fd = _open_dir(Path("views"), dir_fd=out_fd)
        if views_fd is None:
            return []
        try:
            # Only the views this configuration renders, each of a plausible size: a job
            # cannot make the host copy a thousand huge (sparse) files.
            expected = {f"view_{round(a) % 360:03d}.png" for a in self.config.azimuths[: self.config.views]}
            names = sorted(name for name in os.listdir(views_fd) if name in expected)
            limit = min(limit, MAX_VIEW_BYTES)
            return [f"views/{name}" for name in names if _copy_out(views_fd, name, out_dir / "views" / name, limit)]
        finally:
            os.close(views_fd)

    def _reset_job_dir(self) -> None:
        """Empty ``in``, ``out`` and ``tmp`` for the next job."""
        try:
            for name in ("in", "out", "tmp"):
                _remove_tree(self.job_dir / name)
            for name in ("in", "out", "tmp"):
                path = self.job_dir / name
                path.mkdir(mode=0o755 if name != "tmp" else 0o700)
                if self.uid is not None and name != "in":
                    os.chown(path, self.uid, self.uid)
        except Exception:
            # Something in the job directory resisted cleaning: start over
            # with a fresh worker and directory.
            self.kill()


def _meshopt_compress(result: dict[str, Any], model: Path) -> None:
    """Compress the browser GLB with gltfpack, here on the host, after the sandboxed export.

    gltfpack runs as WebAssembly, so the untrusted file is parsed inside
    Node.js's WebAssembly sandbox. Where it fails (Node.js or gltfpack
    missing), the plain, anonymised GLB stays in place: the model is not
    to blame, and the viewer draws either.
    """
    started = time.monotonic()
    try:
        glb.meshopt_compress_file(model)
    except RuntimeError as exc:
        logger.warning("%s; the browser GLB stays uncompressed", exc)
    result["stats"]["glb_bytes"] = model.stat().st_size
    result["timings"]["compress"] = time.monotonic() - started


def _remove_tree(path: Path) -> None:
    """Delete a tree a job left, however deep (shutil.rmtree recurses and can overflow)."""
    try:
        shutil.rmtree(path, ignore_errors=True)
    except RecursionError:
        subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=False, timeout=120)


def _remove_stale_outputs(out_dir: Path) -> None:
    """Delete outputs of an earlier run into the same directory.

    Otherwise a failed re-run would leave the old model beside a result
    that does not list it.
    """
    stale = [out_dir / "model.glb", out_dir / "mesh.glb", out_dir / "result.json"]
    views = out_dir / "views"
    if views.is_dir():
        stale += [path for path in views.iterdir() if VIEW_NAME.fullmatch(path.name)]
    for path in stale:
        if path.is_file():
            path.unlink()


def _notify(callback: ProgressCallback | None, stage: str, fraction: float) -> None:
    """Call the progress callback; its failures must not break the job."""
    if callback is None or stage == "finished":
        return
    try:
        callback(stage, fraction)
    except Exception:  # noqa: BLE001 - a broken listener is not the job's problem
        logger.exception("progress callback failed")


class RenderPool:
    """Warm sandboxed Blender workers that turn scripts into assets.

    Parameters
    ----------
    config : RenderConfig, optional
        Settings; defaults to ``RenderConfig()``.
    start : bool
        Start all workers now, in the background (default), rather than on
        first use.

    Raises
    ------
    SandboxUnavailable
        When ``config.sandbox`` is set and bubblewrap is not installed. A
        sandbox that fails to start raises it from :meth:`run`, or from
        :meth:`wait_ready`.
    """

    def __init__(self, config: RenderConfig | None = None, *, start: bool = True) -> None:
        self.config = config or RenderConfig()
        if self.config.sandbox:
            sandbox.check_sandbox_tools()
        else:
            logger.warning("render pool started WITHOUT sandbox (sandbox=False): scripts run unconfined")
        self.root = Path(tempfile.mkdtemp(prefix="arena-render-"))
        self.spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-spawn")
        self.workers = [Worker(self.config, self.root, index, self.spawner) for index in range(self.config.workers)]
        self.idle: queue.Queue[Worker] = queue.Queue()
        for worker in self.workers:
            self.idle.put(worker)
            if start:
                worker.start_async()
        self.closed = False

    def wait_ready(self) -> None:
        """Block until every worker is started; raise if one cannot start."""
        for worker in self.workers:
            worker.ensure_started()

    def run(
        self,
        input_path: str | os.PathLike[str],
        out_dir: str | os.PathLike[str],
        on_progress: ProgressCallback | None = None,
    ) -> dict[str, Any]:
        """Run a script or mesh file and write its assets to ``out_dir``.

        Parameters
        ----------
        input_path : path
            A Blender Python script (``.py``) or a mesh (``.glb``, ``.gltf``,
            ``.obj``, ``.ply``, ``.stl``).
        out_dir : path
            Receives ``result.json``, ``model.glb``, ``mesh.glb`` and
            ``views/*.png`` (files the job did not produce are absent).
        on_progress : callable, optional
            Called as ``on_progress(stage, fraction)`` from the calling thread.

        Returns
        -------
        dict
            ``status``, ``error``, ``traceback``, ``stdout``, ``stderr``,
            ``stats``, ``timings``, ``files`` (paths relative to
            ``out_dir``) and ``sandboxed``.
        """
        if self.closed:
            raise RuntimeError("RenderPool is closed")
        source = Path(input_path)
        if not source.is_file():
            raise FileNotFoundError(f"no such input file: {source}")
        if not source.name.lower().endswith(SCRIPT_SUFFIXES + MESH_SUFFIXES):
            raise ValueError(f"unsupported input {source.name!r}: expected .py or one of {MESH_SUFFIXES}")
        worker = self.idle.get()
        try:
            return worker.run(source, Path(out_dir), on_progress)
        finally:
            self.idle.put(worker)

    def close(self) -> None:
        """Stop every worker and delete the pool's scratch directories."""
        if self.closed:
            return
        self.closed = True
        for worker in self.workers:
            worker.close()
        self.spawner.shutdown(wait=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
