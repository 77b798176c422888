"""End the processes a script left running, before its job goes on (no ``bpy``).

A script may start children and not wait for them (``subprocess.Popen``,
``os.fork``, daemons). Left alone they hold the sandbox's task limit (the
job's ``RLIMIT_NPROC``, the cgroup's ``pids.max``), so that Blender could not
start its render threads, and its memory. Once the script has returned
nothing of the job needs them: the job process kills them all before it
exports and renders, and reaps its own.

In a sandbox the job's PID namespace holds only bwrap's init (PID 1), the
worker's zygote (the job's parent) and the job, so everything else is a
leftover. Without a sandbox the job only ends what is in its own session or
process group, or is its child.
"""

from __future__ import annotations

import os
import signal
import time

SETTLE_S = 2.0


def _stat_fields(pid: int) -> list[bytes] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _others(private_namespace: bool, keep: tuple[int, ...]) -> dict[int, bytes]:
    """Processes to end, with their state: see the module's description."""
    own, parent = os.getpid(), os.getppid()
    session, group = os.getsid(0), os.getpgid(0)
    if session != own:
        # Not a session leader (a stand-alone run): the session is someone else's.
        session = group = -1
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (1, own, parent, *keep):
            continue
        fields = _stat_fields(int(name))
        if fields is None:
            continue
        ppid, pgid, sid = int(fields[1]), int(fields[2]), int(fields[3])
        if private_namespace or ppid == own or sid == session or pgid == group:
            found[int(name)] = fields[0]
    return found


def reap_children() -> None:
    """Collect every exited child of the calling process, without waiting."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_leftovers(private_namespace: bool, keep: tuple[int, ...] = (), settle_s: float = SETTLE_S) -> int:
    """SIGKILL every leftover process until none is left; return how many were ended.

    Parameters
    ----------
    private_namespace : bool
        True when the job runs in a sandbox's own PID namespace.
    keep : tuple of int
        Processes of the job itself that must stay (its output reader).
    settle_s : float
        How long to keep killing (children forked meanwhile included) and
        waiting for the dead to be reaped, at most.
    """
    ended: set[int] = set()
    deadline = time.monotonic() + settle_s
    while True:
        others = _others(private_namespace, keep)
        living = [pid for pid, state in others.items() if state not in (b"Z", b"X")]
        for pid in living:
            try:
                os.kill(pid, signal.SIGKILL)
                ended.add(pid)
            except OSError:
                pass
        reap_children()
        # Zombies still count against the task limit until their parent (the job, or the
        # namespace's init) reaps them.
        if not others or time.monotonic() > deadline:
            return len(ended)
        time.sleep(0.005)
