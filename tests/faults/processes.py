"""Real processes for the fault tests: a private Redis, daphne web processes, Celery workers.

Every process runs in its own session (process group), logs to a file under the
test's folder, and is killed with its group when the test ends, pass or fail.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis
from django.conf import settings

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test database pytest-django created, for processes that must see its rows."""
    db = settings.DATABASES["default"]
    return "postgres://{}@{}:{}/{}".format(
        db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["NAME"]
    )


def server_env(*, media: Path, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The scaled-out setup's environment: the test database, Redis when given, shared media."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATA_DIR": str(media.parent / "data"),
        "MEDIA_STORAGE": "filesystem",
        "MEDIA_ROOT": str(media),
        "PYTHONUNBUFFERED": "1",
        "ARENA_MIN_VOTE_SECONDS": "0",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env | extra


class Processes:
    """Starts processes, and kills every one still running in `stop_all` (a fixture's finalizer)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with self.log_path(name).open("ab") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
            )
        self.running.append(process)
        return process

    def log_path(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def web(self, name: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """A daphne process serving the project; returns once it answers HTTP."""
        command = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]
        process = self.start(name, command, env)
        self.wait_until_serving(name, process, port)
        return process

    def wait_until_serving(self, name: str, process: subprocess.Popen[bytes], port: int, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.tail(name)}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/arena/api/stats/", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{name} did not answer on port {port} within {seconds} s:\n{self.tail(name)}")

    def worker(self, name: str, env: dict[str, str], queue: str = "") -> subprocess.Popen[bytes]:
        """A Celery worker (one job at a time) named `name`; does not wait for it to be ready."""
        command = [str(BIN / "celery"), "-A", "config", "worker", "--pool", "solo", "--concurrency", "1",
                   "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                   "-l", "info"]  # fmt: skip
        if queue:
            command += ["-Q", queue]
        return self.start(name, command, env)

    def wait_for_log(self, name: str, process: subprocess.Popen[bytes], text: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in self.tail(name, chars=1_000_000):
                return
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.tail(name)}")
            time.sleep(0.3)
        raise AssertionError(f"{name} never logged {text!r} within {seconds} s:\n{self.tail(name)}")

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL, seconds: float = 15) -> None:
        """Signal the process's whole group and wait for it; SIGKILL if it outlives `seconds`."""
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
                process.wait(seconds)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(seconds)

    def stop_all(self) -> None:
        for process in reversed(self.running):
            self.kill(process)
        self.running.clear()


class RedisServer:
    """A redis-server of the test's own, without persistence: a restart loses everything, as after a crash."""

    def __init__(self, processes: Processes, folder: Path) -> None:
        self.processes = processes
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.folder)]  # fmt: skip
        self.process = self.processes.start("redis", command, dict(os.environ))
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise AssertionError(f"redis-server on port {self.port} did not start:\n{self.processes.tail('redis')}")

    def stop(self) -> None:
        if self.process is not None:
            self.processes.kill(self.process, signal.SIGTERM)
            self.process = None
