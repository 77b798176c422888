"""The command line that starts one worker inside a bubblewrap sandbox.

Each worker is a :mod:`renderer.runtime.zygote` process in its own ``bwrap``
sandbox:

- new PID, network, IPC, UTS and cgroup namespaces: no network at all, and
  the worker sees only its own processes;
- a file system made of read-only binds of ``/usr``, the Python install,
  the virtual environment and the ``renderer.runtime`` package alone (at
  ``/opt/arena/renderer/runtime``; ``renderer`` is then a namespace package
  with nothing else in it), a private ``/tmp`` (a size-limited tmpfs),
  ``/proc`` and a minimal ``/dev``, plus one read-write directory, ``/job``,
  that the host fills before each job and empties after it. The project
  tree (the Django apps, their models and migrations included), the
  database, media files, ``$HOME`` and the host's ``/tmp`` are not there;
- an empty environment apart from a few fixed variables.

When the host runs as root, ``bwrap`` builds the sandbox as root and
``setpriv`` then drops to an unprivileged user id owned by the worker slot
(``RenderConfig.uid_base`` + n) with no capabilities and
``no_new_privs``: per-user limits such as ``RLIMIT_NPROC`` then apply, and
workers cannot signal or read each other. Otherwise ``bwrap`` runs
unprivileged in a user namespace of its own.

A root host also puts each slot's sandbox in control groups of its own
(:class:`SlotCgroup`): one memory limit for all its processes together, a
task limit and a low CPU weight. Where that is not possible the pool logs
why and relies on the per-process limits alone.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from .config import RenderConfig

JOB_DIR = "/job"
PACKAGE_ROOT = "/opt/arena"
# Where the runtime package sits under PACKAGE_ROOT, and the module a worker runs.
RUNTIME_PATH = "renderer/runtime"
ZYGOTE_MODULE = "renderer.runtime.zygote"
SANDBOX_ENV = "ARENA_RENDER_SANDBOXED"
UID_RANGE = 1000

logger = logging.getLogger(__name__)


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be started on this machine; the message says why."""


def running_as_root() -> bool:
    """Whether the host process has root's user id."""
    return os.geteuid() == 0


def check_sandbox_tools() -> None:
    """Raise :class:`SandboxUnavailable` when a required tool is missing."""
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) not found: install the Debian package 'bubblewrap' or set sandbox=False (unsafe)"
        )
    if running_as_root() and shutil.which("setpriv") is None:
        raise SandboxUnavailable(
            "setpriv not found (needed to drop root privileges in the sandbox): "
            "install the Debian package 'util-linux' or run the host as an unprivileged user"
        )


def package_dir() -> Path:
    """The directory of the ``renderer.runtime`` package on the host."""
    return Path(__file__).resolve().parent


def import_root() -> Path:
    """The host directory that holds ``renderer/``: ``sys.path`` entry of an unsandboxed worker."""
    return package_dir().parent.parent


def _python_roots() -> list[str]:
    """Host directories the interpreter needs: the venv and the base install."""
    candidates = {os.path.realpath(prefix) for prefix in (sys.prefix, sys.base_prefix)}
    # A directory inside another one is covered by the outer bind.
    return sorted(root for root in candidates if not any(root.startswith(other + os.sep) for other in candidates))


def python_executable() -> str:
    """The interpreter's path as seen through the bound (resolved) venv."""
    relative = os.path.relpath(sys.executable, sys.prefix)
    return os.path.join(os.path.realpath(sys.prefix), relative)


def _parents(path: str) -> list[str]:
    """``/a/b/c`` -> ``["/a", "/a/b"]``."""
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _system_binds() -> list[str]:
    """Read-only ``/usr`` and the usual top-level links into it."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    if os.path.exists("/etc/ld.so.cache"):
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return args


def _ro_bind(source: str, dest: str, made: set[str]) -> list[str]:
    """A read-only bind whose parent directories are world-readable.

    ``bwrap`` would otherwise create missing parents with mode 0700, which
    the unprivileged worker user could not traverse.
    """
    args: list[str] = []
    for parent in _parents(dest):
        if parent not in made and parent not in ("/usr",):
            args += ["--perms", "0755", "--dir", parent]
            made.add(parent)
    return args + ["--ro-bind", source, dest]


def worker_environment(sandboxed: bool, python_path: str) -> dict[str, str]:
    """The complete environment of a worker (nothing is inherited)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONPATH": python_path,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        # No working directory on sys.path: ``renderer`` is a namespace package in
        # the sandbox, and ``/job`` must never add a portion to it.
        "PYTHONSAFEPATH": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if sandboxed:
        env[SANDBOX_ENV] = "1"
    return env


def sandbox_command(config: RenderConfig, job_dir: Path, uid: int | None) -> list[str]:
    """Build the ``bwrap`` command that runs a zygote for one worker slot.

    Parameters
    ----------
    config : RenderConfig
        Supplies the size of the private ``/tmp``.
    job_dir : Path
        Host directory mounted read-write at ``/job``.
    uid : int or None
        Unprivileged user to become (host running as root), else None.

    Returns
    -------
    list of str
        The argument vector.
    """
    made: set[str] = set()
    args = [shutil.which("bwrap") or "bwrap"]
    if uid is None:
        args += ["--unshare-all"]
    else:
        # Root builds the sandbox without a user namespace; setpriv then
        # drops to the slot's own unprivileged user.
        args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    args += ["--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv"]
    for key, value in worker_environment(True, PACKAGE_ROOT).items():
        args += ["--setenv", key, value]
    # The private /tmp comes first, so that an interpreter installed under the
    # host's /tmp (a checkout there) is bound on top of it rather than hidden.
    args += ["--size", str(config.tmpfs_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp"]
    args += _system_binds()
    for root in _python_roots():
        args += _ro_bind(root, root, made)
    # Only the runtime package: the rest of the ``renderer`` app (models,
    # services, migrations) stays on the host.
    args += _ro_bind(str(package_dir()), f"{PACKAGE_ROOT}/{RUNTIME_PATH}", made)
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--bind", str(job_dir), JOB_DIR, "--chdir", JOB_DIR]
    if uid is not None:
        args += [
            "--",
            shutil.which("setpriv") or "/usr/bin/setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
        ]
    else:
        args += ["--"]
    return args + [python_executable(), "-m", ZYGOTE_MODULE, *zygote_options(config)]


def zygote_options(config: RenderConfig) -> list[str]:
    """Command-line options of the zygote for this configuration."""
    # Only Workbench draws with OpenGL; Cycles renders on the CPU directly.
    return ["--warm-shaders"] if config.engine == "workbench" and config.views > 0 else []


def direct_command(config: RenderConfig) -> tuple[list[str], dict[str, str]]:
    """Command and environment of an unsandboxed worker (``sandbox=False``)."""
    env = worker_environment(False, str(import_root()))
    env["HOME"] = env["TMPDIR"] = os.environ.get("TMPDIR", "/tmp")
    return [sys.executable, "-m", ZYGOTE_MODULE, *zygote_options(config)], env


class UidLease:
    """An unprivileged user id reserved for one worker slot.

    A lock file per id, held for the lease's lifetime, keeps two pools (in
    this process or another) from handing the same id to two workers, which
    would let one job signal another or eat its process quota.
    """

    def __init__(self, base: int, lock_dir: Path) -> None:
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(lock_dir)
        if not os.path.isdir(lock_dir) or os.path.islink(lock_dir) or info.st_uid != os.geteuid():
            # Someone else prepared this path: their locks cannot be trusted.
            raise SandboxUnavailable(f"{lock_dir} is not a directory owned by this user")
        for uid in range(base, base + UID_RANGE):
            fd = os.open(lock_dir / f"{uid}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid = uid
            self._fd = fd
            return
        raise SandboxUnavailable(f"no free worker user id in {base}..{base + UID_RANGE - 1}")

    def release(self) -> None:
        """Give the id back."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


# -- control groups -------------------------------------------------------------

CGROUP_CONTROLLERS = ("memory", "pids", "cpu")
# The kernel's weight of a task at nice 0..19 (kernel/sched/core.c, sched_prio_to_weight).
NICE_WEIGHTS = (1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15)


def cpu_weight_of_nice(nice: int) -> int:
    """The cgroup v1 ``cpu.shares`` matching a task at niceness ``nice`` (1024 at 0)."""
    return NICE_WEIGHTS[min(max(nice, 0), len(NICE_WEIGHTS) - 1)]


def _cgroup_mounts() -> tuple[dict[str, tuple[str, str]], tuple[str, str] | None]:
    """Cgroup v1 hierarchies by controller, and the v2 mount, as (mount point, root)."""
    v1: dict[str, tuple[str, str]] = {}
    v2 = None
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            separator = fields.index("-")
            root, mount_point = fields[3], fields[4]
            kind, options = fields[separator + 1], fields[separator + 3].split(",")
            if kind == "cgroup2" and v2 is None:
                v2 = (mount_point, root)
            elif kind == "cgroup":
                for controller in CGROUP_CONTROLLERS:
                    if controller in options:
                        v1.setdefault(controller, (mount_point, root))
    return v1, v2


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under ``""`` in v2."""
    own = {}
    with open("/proc/self/cgroup", encoding="utf-8") as handle:
        for line in handle:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(","):
                own[controller] = path
    return own


def _under(mount: tuple[str, str], path: str) -> Path | None:
    """The directory of cgroup ``path`` in a hierarchy mounted as ``mount``."""
    mount_point, root = mount
    if root != "/" and not (path + "/").startswith(root.rstrip("/") + "/"):
        return None
    relative = path[len(root) :] if root != "/" else path
    return Path(mount_point + "/" + relative.strip("/")).resolve()


def _write(path: Path, value: str) -> None:
    path.write_text(value, encoding="ascii")


class CgroupUnavailable(RuntimeError):
    """Control groups cannot limit the sandbox here; the message says why."""


class SlotCgroup:
    """The control group(s) of one worker slot: one limit for its whole sandbox.

    Everything the sandbox runs (bwrap's init, the zygote, the job and every
    process it forks) is charged together: ``memory`` bounds their sum (the
    private ``/tmp`` included, it is shared memory), ``pids`` bounds their
    number, and ``cpu`` gives the whole sandbox the CPU share of one task at
    the configured niceness, which no process inside can change (the cgroup
    file system is not mounted in the sandbox). cgroup v2 uses one directory
    for all three; v1 one directory per hierarchy.

    Parameters
    ----------
    name : str
        Directory name, created under this process's own cgroup.
    memory_bytes, max_tasks, cpu_weight : int
        The limits: bytes, tasks (processes and threads), ``cpu.shares``.

    Raises
    ------
    CgroupUnavailable
        When no memory controller can be used (not root, no hierarchy, no
        delegation); the pool then runs without (see docs/security.md).
    """

    def __init__(self, name: str, memory_bytes: int, max_tasks: int, cpu_weight: int) -> None:
        if not running_as_root():
            raise CgroupUnavailable("the host does not run as root")
        self.memory_bytes = memory_bytes
        self.cpu_weight = cpu_weight
        self.dirs: dict[str, Path] = {}
        self.skipped: list[str] = []
        v1, v2 = _cgroup_mounts()
        own = _own_cgroups()
        for mount_point, _ in {*v1.values(), *([v2] if v2 else [])}:
            _remove_stale(Path(mount_point), name)
        try:
            if "memory" in v1:
                self.version = 1
                self._make_v1(name, v1, own, memory_bytes, max_tasks, cpu_weight)
            elif v2 is not None:
                self.version = 2
                self._make_v2(name, v2, own.get("", "/"), memory_bytes, max_tasks, cpu_weight)
            else:
                raise CgroupUnavailable("no cgroup hierarchy with the memory controller is mounted")
        except OSError as exc:
            self.remove()
            raise CgroupUnavailable(f"cannot set up a cgroup: {exc}") from None

    def _make_v1(
        self,
        name: str,
        mounts: dict[str, tuple[str, str]],
        own: dict[str, str],
        memory_bytes: int,
        max_tasks: int,
        cpu_weight: int,
    ) -> None:
        for controller in CGROUP_CONTROLLERS:
            parent = _under(mounts[controller], own.get(controller, "/")) if controller in mounts else None
            if parent is None:
                if controller == "memory":
                    raise CgroupUnavailable("this process's memory cgroup is outside the mounted hierarchy")
                self.skipped.append(controller)
                continue
            directory = parent / name
            directory.mkdir(mode=0o755, exist_ok=True)
            self.dirs[controller] = directory
        memory = self.dirs["memory"]
        _write(memory / "memory.limit_in_bytes", str(memory_bytes))
        if (memory / "memory.memsw.limit_in_bytes").exists():
            # No swap beyond the memory limit either.
            _write(memory / "memory.memsw.limit_in_bytes", str(memory_bytes))
        if "pids" in self.dirs:
            _write(self.dirs["pids"] / "pids.max", str(max_tasks))
        self._set_cpu_weight(cpu_weight)

    def _make_v2(
        self, name: str, mount: tuple[str, str], own: str, memory_bytes: int, max_tasks: int, cpu_weight: int
    ) -> None:
        parent = _under(mount, own)
        if parent is None:
            raise CgroupUnavailable("this process's cgroup is outside the mounted cgroup2 hierarchy")
        available = (parent / "cgroup.controllers").read_text(encoding="ascii").split()
        if "memory" not in available:
            raise CgroupUnavailable(f"the memory controller is not delegated to {parent}")
        wanted = [controller for controller in CGROUP_CONTROLLERS if controller in available]
        enabled = (parent / "cgroup.subtree_control").read_text(encoding="ascii").split()
        missing = [controller for controller in wanted if controller not in enabled]
        if missing:
            try:
                _write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in missing))
            except OSError as exc:
                # Typically EBUSY: a cgroup holding processes cannot enable controllers
                # for children ("no internal processes"); run the host in a leaf of a
                # delegated cgroup (systemd: Delegate=yes).
                raise CgroupUnavailable(f"cannot enable {' '.join(missing)} in {parent}: {exc}") from None
        directory = parent / name
        directory.mkdir(mode=0o755, exist_ok=True)
        self.dirs = {controller: directory for controller in wanted}
        self.skipped = [controller for controller in CGROUP_CONTROLLERS if controller not in wanted]
        _write(directory / "memory.max", str(memory_bytes))
        if (directory / "memory.swap.max").exists():
            _write(directory / "memory.swap.max", "0")
        if "pids" in self.dirs:
            _write(directory / "pids.max", str(max_tasks))
        self._set_cpu_weight(cpu_weight)

    def _set_cpu_weight(self, weight: int) -> None:
        """Give the sandbox ``weight`` in ``cpu.shares`` terms (1024: one task at nice 0)."""
        if "cpu" not in self.dirs:
            return
        if self.version == 1:
            _write(self.dirs["cpu"] / "cpu.shares", str(weight))
        else:
            _write(self.dirs["cpu"] / "cpu.weight", str(max(1, round(weight * 100 / 1024))))

    def _unique_dirs(self) -> list[Path]:
        return list(dict.fromkeys(self.dirs.values()))

    def entry_paths(self) -> list[bytes]:
        """The ``cgroup.procs`` files a process writes ``0`` to in order to join."""
        return [os.fsencode(directory / "cgroup.procs") for directory in self._unique_dirs()]

    def pids(self) -> list[int]:
        """Processes in the slot's cgroup (from the memory hierarchy)."""
        try:
            text = (self.dirs["memory"] / "cgroup.procs").read_text(encoding="ascii")
        except (OSError, KeyError):
            return []
        return [int(pid) for pid in text.split()]

    def oom_kills(self) -> int:
        """How many processes the out-of-memory killer ended in this cgroup so far."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            return _counter(self.dirs["memory"] / name, "oom_kill")
        except (OSError, KeyError):
            return 0

    def reset_peak(self) -> None:
        """Start measuring the peak memory use afresh (cgroup v1 only)."""
        if self.version == 1:
            try:
                _write(self.dirs["memory"] / "memory.max_usage_in_bytes", "0")
            except OSError:
                pass

    def memory_peak(self) -> int:
        """Highest memory use in bytes (since :meth:`reset_peak` on v1, since creation on v2)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.dirs["memory"] / name).read_text(encoding="ascii"))
        except (OSError, KeyError, ValueError):
            return 0

    def read(self, controller: str, name: str) -> str:
        """The content of one control file, e.g. ``read("cpu", "cpu.shares")``."""
        return (self.dirs[controller] / name).read_text(encoding="ascii").strip()

    def kill(self) -> None:
        """SIGKILL every process in the cgroup until it is empty (at most about 2 s).

        A killed process still needs CPU time to exit: the sandbox gets a
        normal CPU weight while it dies (on a busy host, 256 processes of a
        fork bomb at a low weight took 5 s), then its low weight again.
        """
        try:
            self._set_cpu_weight(NICE_WEIGHTS[0])
        except OSError:
            pass
        if self.version == 2 and (self.dirs["memory"] / "cgroup.kill").exists():
            try:
                _write(self.dirs["memory"] / "cgroup.kill", "1")
            except OSError:
                pass
        for _ in range(200):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)
        try:
            self._set_cpu_weight(self.cpu_weight)
        except OSError:
            pass

    def remove(self) -> None:
        """Kill what is left and delete the cgroup directories (retrying while processes exit)."""
        self.kill()
        for directory in reversed(self._unique_dirs()):
            for _ in range(100):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.03)
            else:
                logger.warning("could not remove cgroup %s", directory)
        self.dirs = {}


def _remove_stale(mount_point: Path, name: str) -> None:
    """Delete empty cgroups called ``name`` that a host process left when it died.

    The name carries the slot's user id, which the caller holds the lease
    of: any other cgroup of that name belonged to an earlier holder.
    """
    for directory, subdirs, _ in os.walk(mount_point):
        if name in subdirs:
            stale = Path(directory) / name
            try:
                if not (stale / "cgroup.procs").read_text(encoding="ascii").strip():
                    stale.rmdir()
            except OSError:
                pass
            subdirs.remove(name)


def _counter(path: Path, key: str) -> int:
    """The value of ``key`` in a ``key value`` per line control file."""
    for line in path.read_text(encoding="ascii").splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            return int(value)
    return 0


def host_oom_kills() -> int:
    """Processes the out-of-memory killer ended on this machine since boot."""
    try:
        return _counter(Path("/proc/vmstat"), "oom_kill")
    except (OSError, ValueError):
        return 0


def join_cgroups(paths: list[bytes]) -> None:
    """Move the calling process into the cgroups (run in the child before ``exec``).

    Only system calls: this runs between ``fork`` and ``exec`` of a
    multi-threaded host process.
    """
    for path in paths:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)
