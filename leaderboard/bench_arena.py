"""Load benchmark of the vote path: ``python -m leaderboard.bench_arena`` (``make bench-arena``).

It builds a throwaway arena and serves it for real, then plays annotators
against it over HTTP on 127.0.0.1:

1. creates a temporary PostgreSQL database (``arena_bench``, dropped at the
   end), migrates it and stores a cast of prompts, generators and rendered
   assets with small GLB files in a temporary MEDIA_ROOT;
2. starts ``--servers`` daphne processes (daphne is one process with one
   thread for sync views, so one per core) with DEBUG off, no minimum vote
   time and rate limits out of reach;
3. measures the bare baseline: ``--annotators`` clients calling
   ``GET /arena/api/stats/`` (a tiny JSON view making one COUNT query, the
   cheapest Django view of the arena) for ``--seconds``;
4. measures the vote path: ``--annotators`` annotators, each with their own
   cookie jar (session and CSRF cookie from ``GET /arena/``), each looping
   POST battle -> GET both GLBs (in parallel, as the page does) -> POST vote,
   with no pause, for ``--seconds``. A share of votes (``--double-submit``)
   is sent twice at once, as a double click would, and exactly one must be
   accepted;
5. checks that the database holds exactly the acknowledged votes, once each,
   and that the overall leaderboard, recomputed, counts every one of them;
6. prints a markdown table, stops the servers and drops the database.

Settings not fixed here pass through from the environment (for instance
``DB_CONN_MAX_AGE`` or ``LEADERBOARD_DEBOUNCE_SECONDS``). REDIS_URL and
CELERY_BROKER_URL are cleared: this is the single-machine setup, where the
debounced leaderboard refresh runs in a thread of each server process.
Clients, servers and PostgreSQL share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BARE_PATH = "/arena/api/stats/"
BENCH_DATABASE = "arena_bench"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WINNERS = ("a", "b", "tie", "both_bad")
REQUEST_TIMEOUT = 30.0
STARTUP_TIMEOUT = 60.0
WARMUP_SECONDS = 2.0
# The stated goal: a full vote round trip at >= 40% of the bare view's throughput, p99 < 100 ms.
GOAL_SHARE = 0.40
GOAL_P99_MS = 100.0


# -- what the clients saw -----------------------------------------------------


@dataclass
class Samples:
    """Latencies (seconds) and failures by request kind, and completions over a window."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, what went wrong)
    started: float = 0.0
    finished: float = 0.0
    client_cpu: float = 0.0  # cores the load generator itself used

    def rate(self, kind: str) -> float:
        return len(self.latency[kind]) / max(self.finished - self.started, 1e-9)

    def ms(self, kind: str, q: float) -> float:
        values = self.latency[kind]
        return float(np.percentile(values, q)) * 1000 if values else float("nan")


@dataclass
class Ledger:
    """What the server acknowledged, to compare with the database afterwards."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # battle public id -> winner
    uncertain: set[str] = field(default_factory=set)  # the vote was sent but its answer was lost
    doubles: int = 0
    anomalies: list[str] = field(default_factory=list)


async def timed(samples: Samples, kind: str, request: Awaitable[Any], expected: tuple[int, ...] = (200,)) -> Any:
    start = time.perf_counter()
    try:
        response = await request
    except Exception as exc:
        samples.failures[(kind, type(exc).__name__)] += 1
        raise
    samples.latency[kind].append(time.perf_counter() - start)
    if response.status_code not in expected:
        samples.failures[(kind, f"HTTP {response.status_code}")] += 1
    return response


# -- the clients ----------------------------------------------------------------


async def bare_client(httpx: Any, url: str, deadline: float, samples: Samples) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT) as client:
        while time.perf_counter() < deadline:
            try:
                await timed(samples, "GET /arena/api/stats/", client.get(BARE_PATH))
            except httpx.HTTPError:
                await asyncio.sleep(0.01)


async def annotator(httpx: Any, url: str, deadline_in: float, samples: Samples, ledger: Ledger,
                    ready: asyncio.Barrier, double_submit: float, think: float, seed: int) -> None:  # fmt: skip
    """One annotator: a session, then battles and votes back to back until the deadline."""
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT) as client:
        await client.get("/arena/")
        headers = {"X-CSRFToken": client.cookies["csrftoken"]}
        await ready.wait()
        deadline = time.perf_counter() + deadline_in
        await asyncio.sleep(rng.uniform(0, think))  # people do not all arrive at once
        while time.perf_counter() < deadline:
            try:
                await vote_round_trip(client, headers, samples, ledger, rng.choice(WINNERS),
                                      rng.random() < double_submit, rng.uniform(0.5, 1.5) * think)  # fmt: skip
            except httpx.HTTPError:
                await asyncio.sleep(0.01)


async def vote_round_trip(client: Any, headers: dict[str, str], samples: Samples, ledger: Ledger,
                          winner: str, double: bool, think: float) -> None:  # fmt: skip
    """Ask for a pair, load both GLBs, look at them for ``think`` seconds, vote; time all but the looking."""
    start = time.perf_counter()
    request = client.post("/arena/api/battles/", json={}, headers=headers)
    served = await timed(samples, "POST /arena/api/battles/", request)
    if served.status_code != 200:
        return
    battle = served.json()
    battle_id = battle["a"]["glb"].split("/")[3]
    await asyncio.gather(*(timed(samples, "GET battle GLB", client.get(battle[side]["glb"])) for side in "ab"))
    looked = time.perf_counter()
    await asyncio.sleep(think)
    start += time.perf_counter() - looked
    body = {"token": battle["token"], "winner": winner}
    # Of a double submission either may win the race; the other is answered as a repeat
    # of the vote taken (200, "duplicate"), and nothing is counted twice.
    posts = [timed(samples, "POST /arena/api/vote/", client.post("/arena/api/vote/", json=body, headers=headers))]
    if double:
        replay = client.post("/arena/api/vote/", json=body, headers=headers)
        posts.append(timed(samples, "POST /arena/api/vote/ (same token again at once)", replay))
    answers = await asyncio.gather(*posts, return_exceptions=True)
    record_answers(ledger, battle_id, winner, answers)
    if any(getattr(a, "status_code", 0) == 200 for a in answers):
        samples.latency["vote round trip"].append(time.perf_counter() - start)


def record_answers(ledger: Ledger, battle_id: str, winner: str, answers: list[Any]) -> None:
    """Book what the server answered to one vote, sent once or twice at the same moment.

    Of a double submission (the same choice twice), one answer must take the vote and
    the other must say it repeats the vote already taken (200 with ``duplicate``).
    """
    statuses = [getattr(a, "status_code", None) for a in answers]
    if None in statuses:
        ledger.uncertain.add(battle_id)
    taken = [a for a in answers if getattr(a, "status_code", None) == 200]
    fresh = [a for a in taken if not a.json().get("duplicate")]
    if len(fresh) == 1:
        ledger.acknowledged[battle_id] = winner
    if len(fresh) > 1:
        ledger.anomalies.append(f"battle {battle_id}: {len(fresh)} votes accepted")
    if len(answers) > 1:
        ledger.doubles += 1
        if None not in statuses and (len(taken), len(fresh)) != (2, 1):
            ledger.anomalies.append(f"battle {battle_id}: double submission answered {statuses}")


async def run_phase(httpx: Any, urls: list[str], n: int, seconds: float, *, votes: bool, double_submit: float = 0.0,
                    think: float = 0.0, ledger: Ledger | None = None) -> Samples:  # fmt: skip
    samples = Samples()
    if votes:
        ready = asyncio.Barrier(n + 1)
        clients = [annotator(httpx, urls[k % len(urls)], seconds, samples, ledger or Ledger(), ready,
                             double_submit, think, seed=k) for k in range(n)]  # fmt: skip
        tasks = [asyncio.create_task(c) for c in clients]
        await ready.wait()  # every annotator has a session: the clock starts now
    else:
        deadline = time.perf_counter() + seconds
        tasks = [asyncio.create_task(bare_client(httpx, urls[k % len(urls)], deadline, samples)) for k in range(n)]
    samples.started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*tasks)
    samples.finished = time.perf_counter()
    samples.client_cpu = (time.process_time() - cpu) / (samples.finished - samples.started)
    return samples


# -- the arena being measured -------------------------------------------------------


def database_urls(server_url: str, name: str = BENCH_DATABASE) -> tuple[str, str]:
    """The maintenance database's URL and the bench database's, on the given PostgreSQL server."""
    parsed = urlparse(server_url)
    if parsed.scheme not in ("postgres", "postgresql") or (parsed.hostname or "127.0.0.1") not in LOOPBACK:
        raise SystemExit(f"--postgres must be a PostgreSQL server on this machine, not {server_url!r}")
    return urlunparse(parsed._replace(path="/postgres")), urlunparse(parsed._replace(path=f"/{name}"))


def database_reset(admin_url: str, *, create: bool, database: str = BENCH_DATABASE) -> None:
    import psycopg
    from psycopg import sql

    name = sql.Identifier(database)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def server_env(
    database_url: str, data_dir: Path, ports: list[int], *, refresh: bool, redis: str | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    if redis:
        # The scaled-out configuration: cache and channel layer in Redis.
        env.update(REDIS_URL=redis, CELERY_BROKER_URL=redis)
    if not refresh:
        # As when Celery workers elsewhere recompute the leaderboard: no refresh within the run.
        env["LEADERBOARD_DEBOUNCE_SECONDS"] = "86400"
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        MEDIA_ROOT=str(data_dir / "media"),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=",".join(f"http://127.0.0.1:{port}" for port in ports),
        ARENA_MIN_VOTE_SECONDS="0",
        ARENA_VOTES_PER_HOUR="1000000",
        ARENA_VOTES_PER_HOUR_PER_IP="100000000",
        ARENA_GOLD_RATE="0",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    return env


def redis_flush(url: str | None) -> None:
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()


def small_glb() -> bytes:
    import trimesh

    buffer = io.BytesIO()
    trimesh.creation.icosphere(subdivisions=2).export(buffer, file_type="glb")
    return buffer.getvalue()


def cast_create(*, prompts: int, generators: int) -> int:
    """Prompts x generators rendered assets sharing one small GLB; returns the GLB's size."""
    from django.core.files.base import ContentFile

    from arena.models import Asset, Generator, Prompt, Status

    glb = small_glb()
    models = [Generator.objects.create(name=f"bench-model-{g:02d}") for g in range(generators)]
    for p in range(prompts):
        prompt = Prompt.objects.create(slug=f"bench-{p:03d}", text=f"Object {p}", category=f"category-{p % 3}")
        for model in models:
            asset = Asset(prompt=prompt, generator=model, status=Status.OK, stats={"triangles": 320})
            asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(glb), save=False)
            asset.save()
    return len(glb)


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def server_command(port: int, *, server: str = "daphne", workers: int = 1) -> list[str]:
    """One web server on ``port``: a daphne process (HTTP and websockets), or gunicorn with
    ``workers`` sync workers (HTTP only, the WSGI application)."""
    if server == "gunicorn":
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "config.wsgi:application",
        ]
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]


def servers_start(
    ports: list[int], env: dict[str, str], log: Path, *, server: str = "daphne", workers: int = 1
) -> list[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        return [
            subprocess.Popen(
                server_command(port, server=server, workers=workers),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            for port in ports
        ]


def servers_stop(servers: list[subprocess.Popen[bytes]]) -> None:
    for server in servers:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def servers_wait(httpx: Any, urls: list[str], servers: list[subprocess.Popen[bytes]], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    for url, server in zip(urls, servers, strict=True):
        while True:
            if server.poll() is not None:
                raise SystemExit(f"daphne on {url} exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(url + BARE_PATH, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"daphne on {url} did not answer in {STARTUP_TIMEOUT:g} s")
            time.sleep(0.2)


def integrity_check(ledger: Ledger) -> list[str]:
    """Compare the stored votes with what the clients were told."""
    from django.db.models import Count

    from arena.models import Vote

    stored = dict(Vote.objects.values_list("battle__public_id", "winner"))
    problems = list(ledger.anomalies)
    repeated = Vote.objects.values("battle_id").annotate(n=Count("id")).filter(n__gt=1).count()
    if repeated:
        problems.append(f"{repeated} battles hold more than one vote")
    lost = [b for b, w in ledger.acknowledged.items() if stored.get(b) != w]
    if lost:
        problems.append(f"{len(lost)} acknowledged votes missing or different in the database, e.g. {lost[:3]}")
    unacknowledged = set(stored) - set(ledger.acknowledged) - ledger.uncertain
    if unacknowledged:
        problems.append(f"{len(unacknowledged)} stored votes were never acknowledged")
    problems += leaderboard_check()
    return problems


def leaderboard_check() -> list[str]:
    """The overall board, recomputed now, must count every rated vote once."""
    from arena.models import Vote
    from leaderboard.services import snapshot_compute

    rated = Vote.objects.filter(flagged=False, is_gold=False).count()
    snapshot = snapshot_compute()
    counted = snapshot.n_votes if snapshot is not None else 0
    if counted != rated:
        return [f"the leaderboard counts {counted} votes, the database holds {rated} rated votes"]
    battles = sum(row["battles"] for row in snapshot.rows) if snapshot is not None else 0
    if battles != 2 * rated:
        return [f"the leaderboard's rows add up to {battles} battles for {rated} votes"]
    return []


# -- the report ----------------------------------------------------------------------


def report(bare: Samples, votes: Samples, ledger: Ledger, problems: list[str], args: argparse.Namespace,
           glb_bytes: int) -> str:  # fmt: skip
    bare_kind = "GET /arena/api/stats/"
    share = votes.rate("vote round trip") / max(bare.rate(bare_kind), 1e-9)
    p99 = votes.ms("vote round trip", 99)
    vote_requests = sum(votes.rate(k) for k in votes.latency if k != "vote round trip")
    lines = [
        f"Arena load benchmark: {args.annotators} concurrent clients, {args.seconds:g} s per phase, "
        f"{args.servers} daphne process(es), PostgreSQL, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"cast of {args.prompts} prompts x {args.generators} generators, GLB {glb_bytes / 1024:.1f} KiB, "
        f"database connections: {connection_setup()}, "
        f"{'cache and channel layer in Redis' if args.redis else 'no Redis (in-process cache)'}, "
        f"leaderboard refresh {'in the servers' if args.refresh else 'deferred'}, "
        f"{args.think:g} s looking at each pair before voting (not timed).",
        "",
        "| measure | completed | per second | p50 ms | p99 ms | failures |",
        "|---|---:|---:|---:|---:|---:|",
        row(f"bare view: {bare_kind}", bare, bare_kind),
        row("vote round trip (battle + 2 GLBs + vote)", votes, "vote round trip"),
    ]
    for kind in sorted(votes.latency):
        if kind != "vote round trip":
            lines.append(row(f"  {kind}", votes, kind))
    lines += [
        "",
        f"Requests per second: {vote_requests:.1f} during the vote phase, {bare.rate(bare_kind):.1f} for the bare view "
        f"(load generator: {bare.client_cpu:.2f} and {votes.client_cpu:.2f} cores).",
        f"Vote round trips: {share:.0%} of the bare view's throughput (goal >= {GOAL_SHARE:.0%}: "
        f"{'met' if share >= GOAL_SHARE else 'not met'}); p99 {p99:.0f} ms (goal < {GOAL_P99_MS:g} ms: "
        f"{'met' if p99 < GOAL_P99_MS else 'not met'}).",
        f"Integrity: {len(ledger.acknowledged)} votes acknowledged, {ledger.doubles} double submissions, "
        f"{len(ledger.uncertain)} answers lost to client errors; "
        + (
            "the database holds exactly the acknowledged votes, once each, and the leaderboard counts them all."
            if not problems
            else "PROBLEMS:"
        ),
    ]
    lines += [f"- {p}" for p in problems]
    return "\n".join(lines)


def connection_setup() -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database.get("OPTIONS", {}).get("pool"):
        return "pooled"
    return f"CONN_MAX_AGE={database.get('CONN_MAX_AGE', 0)}"


def row(label: str, samples: Samples, kind: str) -> str:
    failures = sum(n for (k, _), n in samples.failures.items() if k == kind)
    return (f"| {label} | {len(samples.latency[kind])} | {samples.rate(kind):.1f} | {samples.ms(kind, 50):.1f} "
            f"| {samples.ms(kind, 99):.1f} | {failures} |")  # fmt: skip


# -- putting it together -------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m leaderboard.bench_arena", description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotators", type=int, default=32, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each measured phase")
    parser.add_argument("--servers", type=int, default=2, help="daphne processes (clients are spread over them)")
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--generators", type=int, default=12)
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds an annotator looks at a pair before voting (0: no pause)"
    )
    parser.add_argument("--double-submit", type=float, default=0.1, help="share of votes sent twice at once")
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="let each server recompute the leaderboard in a thread after votes, as the single-machine setup does "
        "(by default the refresh is deferred past the run, as when Celery workers on other machines do it)",
    )
    parser.add_argument("--log", help="keep the servers' output in this file (default: dropped with the run)")
    parser.add_argument(
        "--redis",
        help="run the scaled-out configuration with its cache and channel layer in this Redis "
        "database (e.g. redis://127.0.0.1:6379/9); the bench empties it before and after the run",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server on this machine; the bench creates and drops its own database there",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import httpx
    except ImportError:
        print("leaderboard.bench_arena needs httpx (pip install -r requirements-dev.txt)", file=sys.stderr)
        return 2
    admin_url, database_url = database_urls(args.postgres)
    data_dir = Path(tempfile.mkdtemp(prefix="arena-bench-"))
    ports = free_ports(args.servers)
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    env = server_env(database_url, data_dir, ports, refresh=args.refresh, redis=args.redis)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        redis_flush(args.redis)
        database_reset(admin_url, create=True)
        glb_bytes = arena_prepare(env, args)
        log = Path(args.log) if args.log else data_dir / "daphne.log"
        servers = servers_start(ports, env, log)
        servers_wait(httpx, urls, servers, log)
        bare, votes, ledger = asyncio.run(measure(httpx, urls, args))
        servers_stop(servers)  # no write may land after the check
        problems = integrity_check(ledger)
        print(report(bare, votes, ledger, problems, args, glb_bytes))
        return 1 if problems else 0
    finally:
        servers_stop(servers)
        from django.db import connections

        connections.close_all()
        database_reset(admin_url, create=False)
        redis_flush(args.redis)
        shutil.rmtree(data_dir, ignore_errors=True)


def arena_prepare(env: dict[str, str], args: argparse.Namespace) -> int:
    """Point this process's Django at the bench database, migrate it and store the cast."""
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return cast_create(prompts=args.prompts, generators=args.generators)


async def measure(httpx: Any, urls: list[str], args: argparse.Namespace) -> tuple[Samples, Samples, Ledger]:
    n = args.annotators
    await run_phase(httpx, urls, n, WARMUP_SECONDS, votes=False)
    bare = await run_phase(httpx, urls, n, args.seconds, votes=False)
    ledger = Ledger()
    votes = await run_phase(httpx, urls, n, args.seconds, votes=True, double_submit=args.double_submit,
                            think=args.think, ledger=ledger)  # fmt: skip
    return bare, votes, ledger


if __name__ == "__main__":
    sys.exit(main())
