"""Warm worker: imports ``bpy`` once, then forks one child per job.

Run as ``python -m renderer.runtime.zygote`` (inside the sandbox, see
:mod:`renderer.runtime.sandbox`). The protocol is JSON lines:

- the zygote writes ``{"ready": true, "pid": ...}`` once ``bpy`` is loaded;
- the host writes one request per job on stdin:
  ``{"id": ..., "input": ..., "out": ..., "tmp": ..., "settings": {...}}``;
- the zygote writes ``{"progress": stage, "fraction": f}`` lines while the
  job runs, then ``{"done": id, "exit": code, "signal": sig, "stage": ...}``.

Forking a process that already imported ``bpy`` costs a fraction of a
second, against more than a second for a fresh interpreter. The child gets
the resource limits, a private working directory and no handle on the
protocol pipes; it reports progress through a pipe that only the zygote
reads, so a script cannot forge messages to the host. After each job every
other process of the sandbox is killed and the scratch space is wiped, so
nothing a script leaves behind reaches the next job.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from .config import StageOrder, job_stages
from .leftovers import reap_children

PR_SET_DUMPABLE = 4
SANDBOX_ENV = "ARENA_RENDER_SANDBOXED"
SCRATCH_DIRS = ("/tmp", "/dev/shm", "/var/tmp")
MAX_PROGRESS_LINE = 4096
CPU_GRACE_S = 5
OOM_SCORE_ADJ = 1000
MEMORY_POLL_S = 0.05
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


class Zygote:
    """The job loop of one worker.

    Parameters
    ----------
    proto_out : int
        File descriptor of the pipe to the host.
    sandboxed : bool
        True when running as the only user of a private PID namespace, which
        makes "kill every other process" safe.
    shader_cache : list of (str, bytes)
        Files of a warm GPU shader cache, given to every rendering job.
    """

    def __init__(self, proto_out: int, sandboxed: bool, shader_cache: list[tuple[str, bytes]]) -> None:
        self.proto_out = proto_out
        self.sandboxed = sandboxed
        self.shader_cache = shader_cache
        self.scratch_keep = _scratch_entries()

    def send(self, message: dict[str, Any]) -> None:
        """Write one JSON line to the host."""
        data = (json.dumps(message) + "\n").encode("utf-8")
        while data:
            written = os.write(self.proto_out, data)
            data = data[written:]

    def serve(self) -> None:
        """Answer job requests read from stdin until it closes."""
        for line in sys.stdin.buffer:
            if not line.strip():
                continue
            request = json.loads(line)
            self.send(self.handle(request))

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run one job in a forked child and report how it ended."""
        received = time.perf_counter()
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _child(request, write_end, self.proto_out, received, self.shader_cache, self.sandboxed)
        os.close(write_end)
        stages = job_stages(len(request.get("settings", {}).get("azimuths", [])))
        memory_mb = int(request.get("settings", {}).get("memory_mb") or 0)
        stage, out_of_memory = self._relay_progress(pid, read_end, stages, memory_mb)
        # Read what the kernel kept of the dead child before reaping it.
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        cpu = _cpu_seconds(pid)
        cpu_limit = _cpu_limit(pid)
        _, status, usage = os.wait4(pid, 0)
        self.sweep(pid)
        return {
            "done": request.get("id"),
            "exit": os.waitstatus_to_exitcode(status),
            "stage": stage,
            "cpu_s": cpu if cpu is not None else usage.ru_utime + usage.ru_stime,
            "cpu_limit_s": cpu_limit,
            "out_of_memory": out_of_memory,
        }

    def _relay_progress(
        self, pid: int, read_end: int, stages: list[tuple[str, float]], memory_mb: int
    ) -> tuple[str, bool]:
        """Forward the child's progress lines until the child exits, watching its memory.

        Waiting on a pidfd rather than on end-of-file matters: a process the
        script left running may keep the pipe open forever. Every
        ``MEMORY_POLL_S`` the job process's resident anonymous memory is
        read; above ``memory_mb`` the job is killed. That ends a job the
        cgroup would end too, but sooner: a cgroup at its limit first
        evicts the file pages Blender runs from, and a job that is
        re-reading its own code can take many seconds to be killed.

        Returns
        -------
        (str, bool)
            The last stage the child reported, and whether it was killed
            for its memory.
        """
        pidfd = os.pidfd_open(pid)
        watched = [read_end, pidfd]
        progress = StageOrder(stages)
        pending = b""
        killed = False
        try:
            while True:
                ready, _, _ = select.select(watched, [], [], MEMORY_POLL_S if memory_mb and not killed else None)
                if memory_mb and not killed and _anonymous_mb(pid) > memory_mb:
                    os.kill(pid, signal.SIGKILL)
                    killed = True
                if read_end in ready:
                    chunk = os.read(read_end, 65536)
                    if not chunk:
                        watched.remove(read_end)
                    pending = self._forward(pending + chunk, progress)
                if pidfd in ready:
                    if read_end in watched:
                        # Lines written just before the exit still count.
                        os.set_blocking(read_end, False)
                        try:
                            pending = self._forward(pending + os.read(read_end, 65536), progress)
                        except BlockingIOError:
                            pass
                    return progress.stage, killed
        finally:
            os.close(pidfd)
            os.close(read_end)

    def _forward(self, data: bytes, progress: StageOrder) -> bytes:
        """Relay complete lines that name the job's next stage; return the remainder."""
        *lines, rest = data.split(b"\n")
        for line in lines:
            if len(line) > MAX_PROGRESS_LINE:
                continue
            try:
                message = json.loads(line)
                name = message["stage"]
            except (ValueError, KeyError, TypeError):
                continue
            fraction = progress.advance(name)
            if fraction is not None:
                self.send({"progress": name, "fraction": fraction})
        return rest if len(rest) <= MAX_PROGRESS_LINE else b""

    def sweep(self, child: int) -> None:
        """Kill what the job left running and wipe the shared scratch space."""
        if self.sandboxed:
            _kill_namespace()
        else:
            try:
                os.killpg(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        reap_children()
        if self.sandboxed:
            _wipe_scratch(self.scratch_keep)


def _anonymous_mb(pid: int) -> float:
    """Resident memory of a process that no file backs (``statm``: resident - shared), in MiB."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            fields = handle.read().split()
        return (int(fields[1]) - int(fields[2])) * PAGE_BYTES / (1 << 20)
    except (OSError, IndexError, ValueError):
        return 0.0


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) of a dead, unreaped child, without its children's."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _cpu_limit(pid: int) -> list[float | None] | None:
    """The soft and hard ``RLIMIT_CPU`` in force when a dead, unreaped child ended."""
    try:
        with open(f"/proc/{pid}/limits", encoding="ascii") as handle:
            line = next(line for line in handle if line.startswith("Max cpu time"))
        soft, hard = line.split()[3:5]
        return [None if value == "unlimited" else float(value) for value in (soft, hard)]
    except (OSError, StopIteration, ValueError):
        return None


def _scratch_entries() -> dict[str, set[str]]:
    """Names present in the scratch directories before any job ran."""
    entries = {}
    for directory in SCRATCH_DIRS:
        try:
            entries[directory] = set(os.listdir(directory))
        except OSError:
            entries[directory] = set()
    return entries


def _wipe_scratch(keep: dict[str, set[str]]) -> None:
    """Delete what jobs wrote to the sandbox's own scratch directories.

    Entries that existed at start-up (e.g. Blender's session temp directory)
    stay, but are emptied.
    """
    for directory, kept in keep.items():
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            path = os.path.join(directory, name)
            if name in kept and os.path.isdir(path) and not os.path.islink(path):
                _wipe_scratch({path: set()})
            else:
                _remove(path)


def _remove(path: str) -> None:
    """Remove a file, link or directory tree, ignoring errors."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except OSError:
            pass


def _other_pids() -> list[int]:
    """Processes of this PID namespace other than its init and ourselves."""
    own = os.getpid()
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in (1, own):
            pids.append(int(name))
    return pids


def _kill_namespace() -> None:
    """SIGKILL every other process of the sandbox, until none is left.

    ``kill(-1)`` reaches every process this user may signal in the PID
    namespace at once, which also stops a fork bomb: the kernel holds the
    task list while it delivers the signal.
    """
    for _ in range(50):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        reap_children()
        if not _living(_other_pids()):
            return
        time.sleep(0.01)


def _living(pids: list[int]) -> list[int]:
    """The subset of ``pids`` that are not zombies awaiting their parent."""
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            alive.append(pid)
    return alive


def _set_limits(settings: dict[str, Any]) -> None:
    """Apply the job's resource limits to the current (child) process."""
    mib = 1024 * 1024
    # CPU time adds up over all threads (renders use every core), so the
    # backstop allows the wall-clock limit on each core; the host enforces
    # the wall-clock limit itself.
    cpu = int(settings["timeout_s"] * (os.cpu_count() or 1)) + CPU_GRACE_S
    limits = {
        resource.RLIMIT_CPU: cpu,
        resource.RLIMIT_FSIZE: settings["max_file_mb"] * mib,
        resource.RLIMIT_NPROC: settings["max_procs"],
        resource.RLIMIT_CORE: 0,
    }
    # Memory is bounded by the sandbox's cgroup (resident memory of all its processes). Where there
    # is none, the host asks for an address-space backstop instead, well above the resident limit.
    if settings.get("address_space_mb"):
        limits[resource.RLIMIT_AS] = settings["address_space_mb"] * mib
    for kind, value in limits.items():
        hard = value + CPU_GRACE_S if kind == resource.RLIMIT_CPU else value
        try:
            resource.setrlimit(kind, (value, hard))
        except (ValueError, OSError):
            # Raising a limit above the inherited hard limit is refused;
            # the inherited, stricter one then stays in force.
            pass


def _lower_priority(nice: int) -> None:
    """Run the job, and everything it starts, behind the host's own processes.

    Niceness ``nice`` (an unprivileged process cannot lower it again) and
    ``SCHED_BATCH`` (no wake-up preemption of interactive tasks; a script
    may switch back to ``SCHED_OTHER``, which changes little at this
    niceness). Both are inherited by threads and children.
    """
    os.setpriority(os.PRIO_PROCESS, 0, max(nice, os.getpriority(os.PRIO_PROCESS, 0)))
    os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def _prefer_for_oom_kill() -> None:
    """Make the job's processes the out-of-memory killer's first choice.

    At the sandbox's memory limit the kernel then ends a job process rather
    than the zygote, and on a host out of memory, a job before the host's own
    processes. The zygote is not dumpable, so neither is this fork and its
    ``/proc/self`` belongs to root: dumpable for the one write, then not again.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    try:
        with open("/proc/self/oom_score_adj", "w", encoding="ascii") as handle:
            handle.write(str(OOM_SCORE_ADJ))
    except OSError:
        pass
    finally:
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _isolate_descriptors(proto_out: int) -> None:
    """Take the host's pipes away from the child.

    Standard input becomes /dev/null and the protocol descriptor is closed,
    so the script can neither read requests nor write replies; standard
    output goes where the zygote's stderr goes (the job captures what the
    script prints separately). Blender's own descriptors stay open.
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    os.close(devnull)
    os.close(proto_out)


def _child(
    request: dict[str, Any],
    progress_fd: int,
    proto_out: int,
    received: float,
    shader_cache: list[tuple[str, bytes]],
    sandboxed: bool,
) -> None:
    """Body of the forked job process; never returns.

    ``sandboxed``: the job runs in the sandbox's own PID namespace, where
    every process but bwrap's init, the zygote and the job itself is one
    the script left behind.
    """
    code = 70
    try:
        os.setsid()
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _isolate_descriptors(proto_out)
        settings = dict(request["settings"])
        settings["tmp_dir"] = request["tmp"]
        # Where the processes a script leaves are looked for (the job is a session leader).
        settings["leftovers"] = "namespace" if sandboxed else "session"
        os.environ["TMPDIR"] = request["tmp"]
        os.environ["HOME"] = request["tmp"]
        os.umask(0o022)
        os.chdir(request["out"])
        _set_limits(settings)
        _lower_priority(int(settings.get("nice", 0)))
        _prefer_for_oom_kill()
        import tempfile

        tempfile.tempdir = None

        from . import blender_job

        def progress(stage: str, fraction: float) -> None:
            line = json.dumps({"stage": stage, "fraction": fraction}) + "\n"
            try:
                os.write(progress_fd, line.encode("utf-8"))
            except OSError:
                pass

        if settings["azimuths"] and shader_cache:
            os.environ["XDG_CACHE_HOME"] = _install_shader_cache(shader_cache, request["tmp"])
        if settings.get("reset_each_job"):
            # The zygote reset the scene before forking, so every child starts
            # from factory settings already; this repeats it for the cautious.
            blender_job.reset_scene()
        startup = time.perf_counter() - received
        blender_job.run_job(request["input"], request["out"], settings, progress, {"startup": startup})
        code = 0
    except BaseException:  # noqa: BLE001 - report, then exit without unwinding into the zygote loop
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _warm_shader_cache(timeout_s: float = 60.0) -> list[tuple[str, bytes]]:
    """Render a small scene once and keep the shader cache it leaves, in memory.

    Software OpenGL compiles Workbench's shaders on a process's first frame,
    which costs more CPU than the renders themselves; a warm cache saves
    about 1.5 s per asset. The cache is produced here, before any untrusted
    job ran, and kept in the zygote's memory (which jobs cannot reach): each
    job gets a fresh copy in its own scratch directory, so no job can poison
    the shaders another job's renders use.

    Returns
    -------
    list of (str, bytes)
        Relative paths and contents; empty if the warm-up failed.
    """
    root = tempfile.mkdtemp(prefix="shader-cache-")
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.environ["XDG_CACHE_HOME"] = root
            from . import blender_job

            blender_job.warm_up_render(os.path.join(root, "render"))
            code = 0
        finally:
            os._exit(code)
    pidfd = os.pidfd_open(pid)
    try:
        if not select.select([pidfd], [], [], timeout_s)[0]:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    finally:
        os.close(pidfd)
    files = []
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            if not relative.startswith("render"):
                with open(path, "rb") as handle:
                    files.append((relative, handle.read()))
    shutil.rmtree(root, ignore_errors=True)
    return files


def _install_shader_cache(files: list[tuple[str, bytes]], scratch: str) -> str:
    """Write the warm shader cache under ``scratch``; return the cache home."""
    home = os.path.join(scratch, ".cache")
    for relative, data in files:
        path = os.path.join(home, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return home


def _in_private_namespace() -> bool:
    """Check that we run in a PID namespace of our own (as the sandbox sets up).

    ``kill(-1)`` outside one would hit every process of the user, so the
    environment flag alone is not trusted.
    """
    if os.environ.get(SANDBOX_ENV) != "1":
        return False
    try:
        init = Path("/proc/1/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return os.path.basename(init) == b"bwrap"


def _disable_ptrace() -> None:
    """Make the zygote non-dumpable so job processes cannot ptrace or read it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def main() -> int:
    """Load ``bpy``, announce readiness, serve jobs."""
    # Blender prints to file descriptor 1 from C; keep that away from the
    # protocol by giving the protocol its own descriptor.
    proto_out = os.dup(1)
    os.dup2(2, 1)
    from . import blender_job

    blender_job.reset_scene()
    _disable_ptrace()
    shader_cache = _warm_shader_cache() if "--warm-shaders" in sys.argv[1:] else []
    zygote = Zygote(proto_out, _in_private_namespace(), shader_cache)
    gc.collect()
    # Objects that exist now are shared with every child; keeping the
    # collector off them avoids copying their pages after each fork.
    gc.freeze()
    zygote.send({"ready": True, "pid": os.getpid(), "sandboxed": zygote.sandboxed})
    zygote.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
