"""The command line that starts one worker inside a bubblewrap sandbox.

Each worker is a :mod:`renderer.zygote` process in its own ``bwrap``
sandbox:

- new PID, network, IPC, UTS and cgroup namespaces: no network at all, and
  the worker sees only its own processes;
- a file system made of read-only binds of ``/usr``, the Python install,
  the virtual environment and the ``renderer`` package, a private ``/tmp``
  (a size-limited tmpfs), ``/proc`` and a minimal ``/dev``, plus one
  read-write directory, ``/job``, that the host fills before each job and
  empties after it. The project tree, the database, media files, ``$HOME``
  and the host's ``/tmp`` are not there;
- an empty environment apart from a few fixed variables.

When the host runs as root, ``bwrap`` builds the sandbox as root and
``setpriv`` then drops to an unprivileged user id owned by the worker slot
(``RenderConfig.uid_base`` + n) with no capabilities and
``no_new_privs``: per-user limits such as ``RLIMIT_NPROC`` then apply, and
workers cannot signal or read each other. Otherwise ``bwrap`` runs
unprivileged in a user namespace of its own.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from pathlib import Path

from renderer.config import RenderConfig

JOB_DIR = "/job"
PACKAGE_ROOT = "/opt/arena"
SANDBOX_ENV = "ARENA_RENDER_SANDBOXED"
UID_RANGE = 1000


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
    """The directory of the ``renderer`` package on the host."""
    return Path(__file__).resolve().parent


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
    args += _ro_bind(str(package_dir()), f"{PACKAGE_ROOT}/renderer", made)
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
    return args + [python_executable(), "-m", "renderer.zygote", *zygote_options(config)]


def zygote_options(config: RenderConfig) -> list[str]:
    """Command-line options of the zygote for this configuration."""
    # Only Workbench draws with OpenGL; Cycles renders on the CPU directly.
    return ["--warm-shaders"] if config.engine == "workbench" and config.views > 0 else []


def direct_command(config: RenderConfig) -> tuple[list[str], dict[str, str]]:
    """Command and environment of an unsandboxed worker (``sandbox=False``)."""
    env = worker_environment(False, str(package_dir().parent))
    env["HOME"] = env["TMPDIR"] = os.environ.get("TMPDIR", "/tmp")
    return [sys.executable, "-m", "renderer.zygote", *zygote_options(config)], env


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
