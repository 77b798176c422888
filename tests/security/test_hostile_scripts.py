"""Hostile scripts against the real sandboxed pool: each tries one thing and must fail safely.

Every test runs one script of ``scripts/`` through :func:`hostile` (the main
pool, 10 s limit), :func:`runaway` (4 s limit) or :func:`limited` (30 s, for
scripts that must meet a kernel limit first). Those fixtures already
check, after every job, that no process of a worker's user survives besides
its zygote, that every ``/job`` directory is empty again, that a trivial host
operation stayed fast during the job, and that the job ended within its time
limit plus a small margin. The tests add what each attack must not achieve.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from renderer.runtime.pool import RenderPool
from tests.security.conftest import (
    HOME,
    LIMITS_CONFIG,
    MARGIN_S,
    OBSERVED,
    PROJECT,
    RUNAWAY_CONFIG,
    SCRIPTS,
    SECRET_ENV,
    SECRET_VALUE,
    WHOAMI_CUBE,
    Outcome,
    assert_nothing_left,
    processes_with,
    render_script,
    run_on_worker,
    run_plain,
    worker_of_uid,
    zygote_pids,
)

# A later job on the same worker reports what it can see of earlier jobs.
LOOK_AROUND = """\
import os, bpy
print("uid", os.getuid())
for directory in ("/tmp", "/job/tmp", "/job/out", "/job/in", "/dev/shm"):
    print(directory, sorted(os.listdir(directory)))
def session(pid):
    try:
        return int(open(f"/proc/{pid}/stat", "rb").read().rsplit(b")", 1)[1].split()[3])
    except (OSError, IndexError):
        return None
# The job's own output reader is in its session; anything else would be an earlier job's.
others = [
    int(p) for p in os.listdir("/proc")
    if p.isdigit() and int(p) not in (1, 2, os.getpid()) and session(int(p)) != os.getsid(0)
]
print("other processes", others)
bpy.ops.mesh.primitive_cube_add()
"""


def assert_not_leaked(outcome: Outcome, secret: str) -> None:
    """The secret appears nowhere in what the job returned."""
    assert secret not in outcome.text
    assert secret.encode() not in outcome.output_bytes()


def marker() -> str:
    """A number that is unlikely to be on any host command line by chance."""
    return str(uuid.uuid4().int % 10**9 + 10**9)


class Listener:
    """A host socket that records, in a background thread, whatever reaches it."""

    def __init__(self, family: int, kind: int, address: object) -> None:
        self.sock = socket.socket(family, kind)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(address)
        if kind == socket.SOCK_STREAM:
            self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.received: list[object] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                if self.sock.type == socket.SOCK_STREAM:
                    self.received.append(self.sock.accept())
                else:
                    self.received.append(self.sock.recvfrom(65536))
            except TimeoutError:
                continue
            except OSError:
                return

    def close(self, window: float = 1.0) -> list[object]:
        """Keep listening ``window`` more seconds, then stop; return what arrived."""
        time.sleep(window)
        self.stop.set()
        self.thread.join()
        self.sock.close()
        return self.received


# -- the file system ------------------------------------------------------------------------------


def test_it_cannot_write_into_the_home_directory(hostile, token) -> None:
    outcome = hostile("write_home.py", HOME=HOME, TOKEN=token)
    assert outcome.result["status"] == "err_exec"
    assert "PermissionError" in outcome.result["error"]
    assert not (HOME / f"escape_{token}").exists()


def test_it_keeps_writes_to_tmp_inside_the_sandbox(hostile, pool: RenderPool, tmp_path: Path, token) -> None:
    outcome = hostile("write_host_tmp.py", TOKEN=token)
    # The write succeeds, into the sandbox's private tmpfs, and is gone afterwards.
    assert outcome.result["status"] == "ok"
    assert f"wrote /tmp/escape_{token}" in outcome.result["stdout"]
    assert not Path(f"/tmp/escape_{token}").exists()
    for worker in pool.workers:
        later = run_on_worker(pool, worker, tmp_path, LOOK_AROUND)
        assert later["status"] == "ok" and token not in later["stdout"]


def test_it_cannot_write_into_the_project_tree(hostile, token) -> None:
    outcome = hostile("write_project.py", PROJECT=PROJECT, TOKEN=token)
    assert outcome.result["status"] == "err_exec"
    assert "PermissionError" in outcome.result["error"]
    assert not (PROJECT / f"escape_{token}").exists()


def test_it_cannot_plant_code_in_the_virtual_environment(hostile, token) -> None:
    outcome = hostile("poison_venv.py", TOKEN=token)
    assert outcome.result["status"] == "err_exec"
    assert "Read-only file system" in outcome.result["error"]
    assert list(PROJECT.joinpath(".venv").glob(f"lib/python*/site-packages/escape_{token}.pth")) == []


def test_it_cannot_rewrite_the_renderer_package(hostile, token) -> None:
    target = PROJECT / "renderer" / "runtime" / "blender_job.py"
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    outcome = hostile("poison_renderer.py", TOKEN=token)
    assert outcome.result["status"] == "err_exec"
    assert "PermissionError" in outcome.result["error"] or "Read-only" in outcome.result["error"]
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("script", ["save_blend_root.py", "save_blend_project.py"])
def test_it_cannot_save_a_blend_file_outside_the_job(hostile, token, script: str) -> None:
    outcome = hostile(script, PROJECT=PROJECT, TOKEN=token)
    assert outcome.result["status"] == "err_exec"
    assert "Permission denied" in outcome.result["error"]
    assert not Path(f"/root/x_{token}.blend").exists()
    assert not (PROJECT / f"x_{token}.blend").exists()


def test_it_cannot_write_into_dev_shm(hostile, token) -> None:
    outcome = hostile("dev_shm.py", TOKEN=token)
    assert outcome.result["status"] == "err_exec"
    assert "PermissionError" in outcome.result["error"]
    assert not Path(f"/dev/shm/escape_{token}").exists()


def test_it_refuses_links_the_job_leaves_instead_of_outputs(hostile, tmp_path: Path, token) -> None:
    # Bait on the host: if the host followed the job's links when it copies
    # the outputs out, these would end up in the result.
    bait = tmp_path / "bait"
    bait.mkdir()
    (bait / "view_000.png").write_text(token, encoding="utf-8")
    outcome = hostile("symlink_outputs.py", BAIT=bait)
    assert outcome.result["status"] == "ok"
    assert outcome.result["files"] == {"glb": "model.glb"}
    assert_not_leaked(outcome, token)
    assert not any(path.is_symlink() for path in outcome.out_dir.rglob("*"))


# -- secrets --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("script", "directory"), [("read_project_canary.py", PROJECT), ("read_home_canary.py", HOME)])
def test_it_cannot_read_a_canary_on_the_host(hostile, token, script: str, directory: Path) -> None:
    name = uuid.uuid4().hex
    canary = directory / f".canary_{name}"
    canary.write_text(token, encoding="utf-8")
    try:
        outcome = hostile(script, PROJECT=PROJECT, HOME=HOME, NAME=name)
    finally:
        canary.unlink()
    assert outcome.result["status"] == "err_exec"
    assert "FileNotFoundError" in outcome.result["error"]
    assert_not_leaked(outcome, token)


def test_it_does_not_see_the_host_environment(hostile) -> None:
    assert os.environ[SECRET_ENV] == SECRET_VALUE
    outcome = hostile("env_secrets.py")
    assert outcome.result["status"] == "ok"
    assert "'PATH'" in outcome.result["stdout"]  # it did print its environment
    assert_not_leaked(outcome, SECRET_VALUE)
    assert SECRET_ENV not in outcome.text


def test_it_cannot_read_the_environment_of_pid_1(hostile) -> None:
    outcome = hostile("read_pid1_environ.py")
    assert outcome.result["status"] == "err_exec"
    assert "PermissionError" in outcome.result["error"]
    assert_not_leaked(outcome, SECRET_VALUE)


def test_it_cannot_read_the_host_password_hashes(hostile) -> None:
    outcome = hostile("read_shadow.py")
    assert outcome.result["status"] == "err_exec"
    assert "PermissionError" in outcome.result["error"] or "FileNotFoundError" in outcome.result["error"]
    assert "root:" not in outcome.result["stdout"]


def test_it_cannot_read_the_files_of_a_concurrent_job(pool: RenderPool, tmp_path: Path, token) -> None:
    pool.wait_ready()
    writer = render_script("concurrent_writer.py", tmp_path / "concurrent_writer.py", {"TOKEN": token})
    finder = render_script("find_other_job.py", tmp_path / "find_other_job.py", {})
    results: dict[str, dict] = {}
    thread = threading.Thread(target=lambda: results.update(writer=pool.run(writer, tmp_path / "out_writer")))
    thread.start()
    deadline = time.monotonic() + 10
    while not any((w.job_dir / "out" / "secret.txt").exists() for w in pool.workers):
        assert time.monotonic() < deadline, "the writer never wrote its secret"
        time.sleep(0.05)
    # The writer holds one worker for 3 s: the finder runs on the other, at the same time.
    results["finder"] = pool.run(finder, tmp_path / "out_finder")
    thread.join()
    for name, result in results.items():
        OBSERVED.append((f"concurrent {name}", result["status"], result["timings"]["total"], 0, 0, result["error"]))
    assert results["writer"]["status"] == results["finder"]["status"] == "ok"
    assert "my /job is" in results["finder"]["stdout"]
    assert token not in results["finder"]["stdout"]
    assert_nothing_left(pool)


# -- the network ----------------------------------------------------------------------------------


def test_it_cannot_connect_to_a_host_listener(hostile, token) -> None:
    listener = Listener(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
    outcome = hostile("tcp_connect.py", PORT=listener.port, TOKEN=token)
    assert listener.close() == []
    assert outcome.result["status"] == "err_exec"
    assert "ConnectionRefusedError" in outcome.result["error"]


def test_it_cannot_send_a_datagram_to_the_host(hostile, token) -> None:
    listener = Listener(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
    outcome = hostile("udp_send.py", PORT=listener.port, TOKEN=token)
    assert listener.close() == []
    # The datagram goes to the sandbox's own loopback; the script then left no mesh.
    assert outcome.result["status"] == "err_no_mesh"


def test_it_cannot_resolve_names(hostile, token) -> None:
    # Without /etc/resolv.conf the resolver asks 127.0.0.1:53: listen there on the host.
    try:
        listeners = [
            Listener(socket.AF_INET, kind, ("127.0.0.1", 53)) for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM)
        ]
    except OSError:
        listeners = []  # port 53 taken on this host: the status check still holds
    outcome = hostile("dns_lookup.py", TOKEN=token)
    for listener in listeners:
        assert listener.close(window=0.5) == []
    assert outcome.result["status"] == "err_exec"
    assert "gaierror" in outcome.result["error"]


def test_it_cannot_reach_an_abstract_unix_socket_of_the_host(hostile, token) -> None:
    name = f"arena-security-{token}"
    listener = Listener(socket.AF_UNIX, socket.SOCK_STREAM, "\0" + name)
    outcome = hostile("abstract_socket.py", NAME=name, TOKEN=token)
    assert listener.close() == []
    assert outcome.result["status"] == "err_exec"
    assert "ConnectionRefusedError" in outcome.result["error"]


# -- processes ------------------------------------------------------------------------------------


def test_it_contains_a_shell_and_its_writes(hostile, token) -> None:
    outcome = hostile("shell_subprocess.py", HOME=HOME, TOKEN=token)
    assert outcome.result["status"] == "ok"
    stdout = outcome.result["stdout"]
    assert "uid=6" in stdout and "uid=0" not in stdout  # the shell runs as the slot's user
    assert "Permission denied" in stdout
    assert not Path(f"/tmp/x_{token}").exists()
    assert not (HOME / f"x_{token}").exists()


def test_it_kills_a_detached_daemon_before_the_next_job(hostile, pool: RenderPool, tmp_path: Path, token) -> None:
    outcome = hostile("daemon.py", TOKEN=token)
    assert outcome.result["status"] == "ok"
    assert "daemon running: True" in outcome.result["stdout"]  # it was alive during the job
    # No heartbeat is written after the job: the daemon is dead, not merely hidden.
    time.sleep(0.3)
    for worker in pool.workers:
        assert list(worker.job_dir.rglob(f"heartbeat_{token}")) == []
    assert not Path(f"/tmp/heartbeat_{token}").exists()
    uid = int(outcome.result["stdout"].split("uid ")[1].split()[0])
    later = run_on_worker(pool, worker_of_uid(pool, uid), tmp_path, LOOK_AROUND)
    assert later["status"] == "ok"
    assert "heartbeat" not in later["stdout"]
    assert "other processes []" in later["stdout"]


def test_it_kills_a_sleeper_hidden_in_nested_namespaces(hostile) -> None:
    sleeper = marker()
    outcome = hostile("nested_namespace.py", MARKER=sleeper)
    assert outcome.result["status"] == "ok"
    assert "nested sleeper running: True" in outcome.result["stdout"]
    assert processes_with(sleeper) == []


def test_it_survives_a_fork_bomb(runaway, runaway_pool: RenderPool) -> None:
    outcome = runaway("fork_bomb.py")
    assert outcome.result["status"] == "err_timeout"
    assert runaway_pool.config.timeout_s <= outcome.elapsed


def test_it_turns_a_thread_bomb_into_an_error(hostile) -> None:
    outcome = hostile("thread_bomb.py")
    assert outcome.result["status"] == "err_exec"
    assert "can't start new thread" in outcome.result["error"]


def test_it_stops_a_job_that_ignores_termination_signals(runaway, runaway_pool: RenderPool) -> None:
    outcome = runaway("ignore_sigterm.py")
    assert outcome.result["status"] == "err_timeout"
    assert runaway_pool.config.timeout_s <= outcome.elapsed


def test_it_replaces_a_worker_the_job_killed(runaway, runaway_pool: RenderPool, tmp_path: Path) -> None:
    runaway_pool.wait_ready()
    before = zygote_pids(runaway_pool)
    outcome = runaway("kill_parent.py")
    assert outcome.result["status"] == "err_exec"
    assert "render worker died" in outcome.result["error"]
    after = zygote_pids(runaway_pool)
    replaced = [index for index in before if before[index] != after[index]]
    assert len(replaced) == 1
    later = run_on_worker(runaway_pool, runaway_pool.workers[replaced[0]], tmp_path, WHOAMI_CUBE)
    assert later["status"] == "ok"


def test_it_cannot_ptrace_its_worker(hostile) -> None:
    outcome = hostile("ptrace_zygote.py")
    assert outcome.result["status"] == "err_exec"
    assert "Operation not permitted" in outcome.result["error"]
    assert "attached" not in outcome.result["stdout"]


def test_it_cannot_read_the_memory_of_its_worker(hostile) -> None:
    outcome = hostile("read_zygote_memory.py")
    assert outcome.result["status"] == "err_exec"
    assert "PermissionError" in outcome.result["error"]


def test_it_cannot_become_root(hostile) -> None:
    outcome = hostile("setuid_root.py")
    assert outcome.result["status"] == "err_exec"
    assert "Operation not permitted" in outcome.result["error"]


# -- resource limits ------------------------------------------------------------------------------


def test_it_times_out_an_infinite_loop(runaway, runaway_pool: RenderPool) -> None:
    outcome = runaway("cpu_loop.py")
    assert outcome.result["status"] == "err_timeout"
    assert outcome.result["error"] == "job exceeded the time limit of 4 s (wall clock) and was killed"
    assert runaway_pool.config.timeout_s <= outcome.elapsed < runaway_pool.config.timeout_s + MARGIN_S


def test_it_times_out_an_endless_sleep(runaway, runaway_pool: RenderPool) -> None:
    outcome = runaway("sleep_forever.py")
    assert outcome.result["status"] == "err_timeout"
    assert runaway_pool.config.timeout_s <= outcome.elapsed < runaway_pool.config.timeout_s + MARGIN_S


@pytest.mark.parametrize("ignore_sigxcpu, signal_name", [("no", "SIGXCPU"), ("yes", "SIGKILL")])
def test_it_reports_the_cpu_time_limit_as_a_timeout(limited, ignore_sigxcpu: str, signal_name: str) -> None:
    # The script lowers its own RLIMIT_CPU to 1 s (soft) and 2 s (hard): the kernel stops it long
    # before the host's 30 s, with SIGXCPU at the soft limit, or SIGKILL at the hard one if it
    # ignores SIGXCPU. The host tells that apart from any other SIGKILL by the CPU time used.
    outcome = limited("cpu_limit.py", IGNORE_SIGXCPU=ignore_sigxcpu)
    assert outcome.result["status"] == "err_timeout"
    match = re.fullmatch(r"job exceeded its CPU-time limit \(([\d.]+) s of CPU time; (\w+)\)", outcome.result["error"])
    assert match is not None, outcome.result["error"]
    assert match.group(2) == signal_name
    assert 0.7 <= float(match.group(1)) <= 2.5
    assert outcome.elapsed < LIMITS_CONFIG.timeout_s


def test_it_reports_a_job_killed_at_the_memory_limit(limited, limits_pool: RenderPool) -> None:
    # Four children hold 600 MiB each (2.4 GiB, over the sandbox's 2048 + 64 MiB) and make the job
    # process the out-of-memory killer's first choice: the kernel ends it, and the host says why.
    outcome = limited("oom_main.py")
    assert outcome.result["status"] == "err_exec"
    assert re.fullmatch(
        r"Blender ran out of memory: the job's limit is 2048 MiB \(RENDER_MEMORY_MB\); "
        r"the kernel's out-of-memory killer ended \d+ process(es)? \(while running\)",
        outcome.result["error"],
    ), outcome.result["error"]


def test_it_limits_the_memory_of_all_the_job_processes_together(limited, limits_pool: RenderPool) -> None:
    cgroup = limits_pool.workers[0].cgroup
    assert cgroup is not None, "cgroups are usable on the test machine (see docs/security.md)"
    oom_before = cgroup.oom_kills()
    outcome = limited("fork_memory.py")
    # Each child may hold its 600 MiB; the sandbox's cgroup (2048 + 64 MiB) holds three at most.
    assert outcome.result["status"] == "ok"
    stdout = outcome.result["stdout"]
    exits = [int(code) for code in re.findall(r"-?\d+", stdout.split("children exited")[1])]
    assert len(exits) == 4 and exits.count(0) <= 3, stdout
    assert -9 in exits, stdout  # the kernel's out-of-memory killer ended a child
    assert cgroup.oom_kills() > oom_before
    assert cgroup.memory_peak() <= (LIMITS_CONFIG.memory_mb + LIMITS_CONFIG.tmpfs_mb) << 20


def test_it_runs_jobs_at_a_low_cpu_priority(hostile, pool: RenderPool) -> None:
    outcome = hostile("job_priority.py")
    assert outcome.result["status"] == "ok"
    seen = dict(re.findall(r"([\w-]+) (-?\w+)", outcome.result["stdout"]))
    nice = str(pool.config.nice)
    assert pool.config.nice >= 10
    assert seen["nice"] == seen["stat-nice"] == seen["child-nice"] == nice
    # SCHED_BATCH is policy 3, in the job and in what it starts.
    assert seen["stat-policy"] == seen["child-policy"] == seen["policy"] == seen["batch"] == "3"
    # An unprivileged job cannot raise its priority again.
    assert seen["raise-by-setpriority"] == seen["raise-by-nice"] == "refused"
    assert seen["final-nice"] == nice


def test_it_names_a_memory_bomb_as_out_of_memory(hostile) -> None:
    outcome = hostile("memory_bomb.py")
    # The sandbox's cgroup ends the job at its resident limit, inside the sandbox; the error says so.
    assert outcome.result["status"] == "err_exec"
    assert outcome.result["error"].startswith(
        "Blender ran out of memory: the job's limit is 2048 MiB (RENDER_MEMORY_MB)"
    ), outcome.result["error"]


def test_it_bounds_a_stdout_flood(hostile, pool: RenderPool) -> None:
    outcome = hostile("stdout_flood.py")
    # Printing never fails the script: the head and the tail come back, 64 KiB in all, with a note.
    assert outcome.result["status"] == "err_no_mesh", outcome.result["error"]
    assert pool.config.stdout_limit <= len(outcome.result["stdout"]) <= pool.config.stdout_limit + 100
    assert f"[... {200 * (1 << 20) - pool.config.stdout_limit} bytes of output dropped ...]" in outcome.result["stdout"]


def test_it_stops_a_file_at_the_size_limit(hostile, pool: RenderPool) -> None:
    used_before = shutil.disk_usage(pool.root).used
    outcome = hostile("fill_disk.py")
    assert outcome.result["status"] == "err_exec"
    assert "File too large" in outcome.result["error"]
    assert f"written {pool.config.max_file_mb << 20}\n" in outcome.result["stdout"]
    # The capped file is deleted with the job (other processes may write meanwhile: some slack).
    assert shutil.disk_usage(pool.root).used - used_before < pool.config.max_file_mb << 20


def test_it_stops_filling_the_private_tmp(hostile, pool: RenderPool) -> None:
    outcome = hostile("fill_tmp.py")
    assert outcome.result["status"] == "err_exec"
    assert "No space left on device" in outcome.result["error"]
    written = int(outcome.result["stdout"].split("written ")[1].split()[0])
    assert written <= pool.config.tmpfs_mb << 20


def test_it_bounds_a_twenty_million_vertex_mesh(hostile, pool: RenderPool, tmp_path: Path) -> None:
    outcome = hostile("huge_mesh.py")
    # Blender's allocator gives up under the address-space limit (it crashes, the worker does not).
    assert outcome.result["status"] in ("err_exec", "err_export")
    assert outcome.result["error"]
    assert run_plain(pool, tmp_path, WHOAMI_CUBE, "after.py")["status"] == "ok"


# -- crashes and early exits ----------------------------------------------------------------------


def test_it_reports_a_segfault_and_keeps_the_worker(hostile, pool: RenderPool, tmp_path: Path) -> None:
    before = zygote_pids(pool)
    outcome = hostile("segfault.py")
    assert outcome.result["status"] == "err_exec"
    assert outcome.result["error"] == "Blender crashed (SIGSEGV) while running"
    # Only the forked job died: both zygotes are the same and serve the next jobs.
    assert zygote_pids(pool) == before
    later = [run_plain(pool, tmp_path, WHOAMI_CUBE, f"after_{n}.py") for n in range(len(pool.workers))]
    assert [result["status"] for result in later] == ["ok"] * len(pool.workers)


def test_it_reports_a_job_killed_by_sigkill(hostile, pool: RenderPool, tmp_path: Path) -> None:
    outcome = hostile("self_sigkill.py")
    # Neither the CPU limit (no CPU time used), nor the memory limit, nor the host's time limit.
    assert outcome.result["status"] == "err_exec"
    assert outcome.result["error"] == "Blender was killed (SIGKILL) while running"
    assert outcome.elapsed < 2
    assert run_plain(pool, tmp_path, WHOAMI_CUBE, "after.py")["status"] == "ok"


def test_it_reports_sys_exit_as_an_error(hostile) -> None:
    outcome = hostile("sys_exit.py")
    assert outcome.result["status"] == "err_exec"
    assert outcome.result["error"] == "script called sys.exit(0)"


def test_it_survives_quit_blender(hostile) -> None:
    outcome = hostile("quit_blender.py")
    # In the bpy module the operator does not end the process: the job goes on and finds nothing.
    assert outcome.result["status"] == "err_no_mesh"
    assert outcome.elapsed < 2


# -- the job's own report -------------------------------------------------------------------------


def test_it_rejects_nan_and_infinite_coordinates(hostile) -> None:
    outcome = hostile("nan_mesh.py")
    assert outcome.result["status"] == "err_export"
    assert outcome.result["error"] == "mesh has 2 vertices with NaN or infinite coordinates"


def test_it_reports_a_scene_without_a_mesh(hostile) -> None:
    outcome = hostile("camera_light_only.py")
    assert outcome.result["status"] == "err_no_mesh"


def test_it_sanitises_a_forged_result(hostile, pool: RenderPool) -> None:
    outcome = hostile("forged_result.py")
    result = outcome.result
    # "ok" without a model is not believed; strings are cut; only numbers survive in stats.
    assert result["status"] == "err_export"
    assert result["error"] == "the job reported success but wrote no model.glb"
    assert len(result["stdout"]) <= pool.config.stdout_limit + 100
    assert result["stats"] == {"objects": 1}
    assert "script" not in result["timings"]
    assert result["files"] == {}
    assert result["sandboxed"] is True


def test_it_ignores_forged_protocol_messages(hostile) -> None:
    outcome = hostile("forge_protocol.py")
    # Had the host believed a fake "done", it would have returned before the 2 s sleep.
    assert outcome.result["status"] == "ok"
    assert outcome.elapsed >= 2
    assert outcome.result["files"]["glb"] == "model.glb"


# -- forged results, deep trees and extra files ------------------------------------------------


def test_it_survives_a_deeply_nested_result(hostile) -> None:
    outcome = hostile("deep_json_result.py")
    assert outcome.result["status"] == "err_exec"


def test_it_survives_deeply_nested_stats(hostile) -> None:
    outcome = hostile("deep_stats_result.py")
    assert outcome.result["stats"] == {}


def test_it_recovers_from_a_very_deep_directory_tree(tmp_path: Path) -> None:
    # A pool of its own, so a broken slot could not spoil the shared pools.
    own = RenderPool(RUNAWAY_CONFIG)
    try:
        own.wait_ready()
        script = render_script("deep_directory.py", tmp_path / "deep_directory.py", {})
        result = own.run(script, tmp_path / "out_deep")
        OBSERVED.append(("deep_directory.py", result["status"], result["timings"]["total"], 0, 0, result["error"]))
        assert run_plain(own, tmp_path, WHOAMI_CUBE, "after.py")["status"] == "ok"
        assert_nothing_left(own)
    finally:
        try:
            own.close()
        except RecursionError:
            own.spawner.shutdown()
            subprocess.run(["rm", "-rf", str(own.root)], check=True)


def test_it_copies_only_the_views_it_asked_for(hostile, pool: RenderPool) -> None:
    outcome = hostile("extra_views.py")
    assert outcome.result["status"] == "ok"
    assert pool.config.views == 0
    assert outcome.result["files"].get("views", []) == []
    assert not (outcome.out_dir / "views").exists()


def test_it_relays_only_its_own_progress_stages(hostile, token) -> None:
    # The script writes "done", a stage of its own naming, a repeat, a stage this job does not
    # have, a non-string and an over-long line into its progress pipe: none of them comes through.
    stages: list[tuple[str, float]] = []
    outcome = hostile(
        "forge_progress.py", on_progress=lambda stage, fraction: stages.append((stage, fraction)), TOKEN=token
    )
    assert outcome.result["status"] == "ok"
    assert stages == [("starting", 0.0), ("running", 0.05), ("exporting", 0.5), ("done", 1.0)]


def test_it_runs_every_hostile_script() -> None:
    tested = Path(__file__).read_text(encoding="utf-8")
    untested = [path.name for path in SCRIPTS.glob("*.py") if f'"{path.name}"' not in tested]
    assert untested == []
    assert len(list(SCRIPTS.glob("*.py"))) >= 25
