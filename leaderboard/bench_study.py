"""Open-loop load benchmark of a study launch: ``python -m leaderboard.bench_study`` (``make bench-study``).

A crowd platform sends a study's link to hundreds of people within a minute. This
benchmark plays that launch against a real arena on 127.0.0.1 and finds how many
participants can be in the study at once while the p99 latency of every request
kind stays under 250 ms:

1. creates a temporary PostgreSQL database (``arena_bench_study``, dropped at the
   end), migrates it and stores a study (``--prompts`` x ``--generators``
   rendered assets, a reference per prompt, a quota of ``--quota`` pairs, a gate
   of two gold pairs, then one gold pair in ten) whose GLBs are real meshes of
   0.5 to 2 MB, the size of the arena's meshopt GLBs;
2. times each request kind inside this process (Django's test client on the same
   database, no HTTP server): CPU and queries per request, the web process's
   own share of the cost;
3. starts gunicorn with ``--workers`` sync workers (the WSGI application, as in
   the scaled-out deployment; ``--server daphne``: that many daphne processes
   instead), ``DB_POOL=true``, and, when Debian's ``nginx`` is installed, an
   nginx in front of them (as in ``deploy/nginx.conf``, its ``/protected/``
   location included) running as this user from a temporary prefix;
4. for each way of sending the GLBs (Django streams them through nginx; nginx
   sends them itself, ``ARENA_ACCEL_REDIRECT``; without nginx only the first,
   straight to the server), runs steps of N participants: their arrival times are
   drawn in advance, uniformly over ``--ramp`` seconds (an open loop: nobody
   waits for the server to arrive), then each participant, from an address of
   their own (127.1.0.1, 127.1.0.2, ...), opens the link with Prolific's
   parameters, reads the consent page, consents, opens the arena, and repeats:
   get a pair -> load both GLBs at once -> look at them for a time drawn from a
   log-normal distribution (median ``--think`` s) -> vote (a gold pair's
   trivial side is never chosen, so every participant passes the gate; other
   answers at random), until the quota
   or the end of the step (``--ramp`` + ``--hold`` s, shorter than a quota, so
   all N are in the study together for ``--hold`` s). Every request is timed;
5. searches N: up a ladder until a step misses the goal (or fails a request),
   then once between the last level met and the first missed, within
   ``--budget`` seconds per way of sending;
6. checks that the database holds exactly the votes the participants were told
   were taken, prints a Markdown report, stops everything and drops the database.

CPU is read from /proc for the web processes, nginx, the database's backends
and this load generator (aiohttp: it shares the cores with the servers, and
costs a fifth of httpx's CPU per request); the machine's load average is printed with every step,
since other work may share the cores. Traffic goes only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from leaderboard.bench_arena import (
    ROOT,
    STARTUP_TIMEOUT,
    Samples,
    connection_setup,
    database_reset,
    database_urls,
    free_ports,
    redis_flush,
    server_env,
    servers_start,
    servers_stop,
    servers_wait,
    timed,
)

BENCH_DATABASE = "arena_bench_study"
SLUG = "launch"
ACCEL_PREFIX = "/protected/"
GOAL_P99_MS = 250.0
GOAL_PARTICIPANTS = 300
TRIVIAL_TRIANGLES = 12  # a gold pair's weak side: under the arena's threshold of a trivial output
REQUEST_TIMEOUT = 30.0
THINK_SIGMA = 0.6  # log-normal spread of the time spent looking at a pair (p95 about 2.7 x the median)
GLB_MEGABYTES = (0.5, 0.8, 1.1, 1.4, 1.7, 2.0)
LADDER = (300, 400, 600, 800, 1200)
# The request kinds, in the order a participant sends them, and the answer each expects.
KINDS = {
    "link (Prolific parameters)": 302,
    "consent page": 200,
    "consent": 302,
    "study page": 200,
    "pair": 200,
    "GLB": 200,
    "vote": 200,
}
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


# -- nginx in front ------------------------------------------------------------------


def nginx_binary() -> str | None:
    for name in NGINX_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def protected_location(media_root: Path) -> str:
    """The ``/protected/`` location of ``deploy/nginx.conf``, aliased to ``media_root``."""
    shipped = (ROOT / "deploy" / "nginx.conf").read_text()
    match = re.search(r"^    location /protected/ \{\n.*?^    \}\n", shipped, re.DOTALL | re.MULTILINE)
    if match is None:
        raise SystemExit("deploy/nginx.conf has no `location /protected/ { ... }` block")
    return match.group(0).replace("alias /srv/arena/media/;", f"alias {media_root.resolve()}/;")


def nginx_config(
    *, port: int, upstreams: list[int], media_root: Path, folder: Path, websocket_upstreams: list[int] | None = None
) -> str:
    """A whole nginx configuration: one process of this user, files under ``folder``, the shipped
    ``/protected/`` location, websockets (``/ws/``) to ``websocket_upstreams`` (by default the same
    servers: daphne serves both) and everything else to ``upstreams``."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    servers = "\n".join(f"        server 127.0.0.1:{upstream};" for upstream in upstreams)
    websockets = "\n".join(f"        server 127.0.0.1:{upstream};" for upstream in websocket_upstreams or upstreams)
    return f"""daemon off;
master_process off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{
    worker_connections 8192;
}}
http {{
    # The server's side of each request's time (first byte read to last byte sent), for the report.
    log_format timing '$request_method $uri $request_time';
    access_log {folder / "access.log"} timing;
{temp}
    default_type application/octet-stream;
    upstream arena {{
{servers}
        keepalive 64;
    }}
    upstream arena_ws {{
{websockets}
    }}
    server {{
        listen 127.0.0.1:{port};
{protected_location(media_root)}
        location /ws/ {{
            proxy_pass http://arena_ws;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://arena;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def nginx_start(
    *, binary: str, upstreams: list[int], media_root: Path, folder: Path, websocket_upstreams: list[int] | None = None
) -> Nginx:
    """Start nginx on a free loopback port and return once it accepts connections."""
    import socket

    folder.mkdir(parents=True, exist_ok=True)
    port = free_ports(1)[0]
    config = folder / "nginx.conf"
    config.write_text(nginx_config(port=port, upstreams=upstreams, media_root=media_root, folder=folder,
                                   websocket_upstreams=websocket_upstreams))  # fmt: skip
    log = (folder / "stderr.log").open("wb")
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return Nginx(process, port, folder)
        except OSError:
            pass
        try:
            process.wait(timeout=0.05)  # the pause between tries: returns at once if nginx exits
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                nginx_stop(Nginx(process, port, folder))
                raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} in {STARTUP_TIMEOUT:g} s") from None
            continue
        errors = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
        raise RuntimeError(f"nginx exited with {process.returncode}: {errors[-2000:]}")


def nginx_stop(nginx: Nginx | None) -> None:
    if nginx is None or nginx.process.poll() is not None:
        return
    nginx.process.terminate()
    try:
        nginx.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        nginx.process.kill()
        nginx.process.wait()


# -- the study -------------------------------------------------------------------------


def glb_sized(megabytes: float) -> bytes:
    """A real mesh (a UV sphere) whose GLB is about ``megabytes`` long (about 71 bytes per grid point)."""
    import trimesh

    n = max(8, round(math.sqrt(megabytes * 1e6 / 71)))
    buffer = io.BytesIO()
    trimesh.creation.uv_sphere(count=[n, n]).export(buffer, file_type="glb")
    return buffer.getvalue()


def study_create(*, prompts: int, generators: int, quota: int) -> list[int]:
    """The study and its cast; its GLBs share a few files of 0.5-2 MB. Returns the files' sizes.

    Each prompt has a reference, and one model's answer to it is trivial (a few triangles): the gold
    pairs. The study asks for both of its first two gold pairs right (the gate), then one pair in ten
    is gold, as attention checks.
    """
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from arena.models import Asset, Generator, Prompt, Status, Study
    from arena.study_services import study_check

    names = [default_storage.save(f"bench/{mb:.1f}.glb", ContentFile(glb_sized(mb))) for mb in GLB_MEGABYTES]
    models = [Generator.objects.create(name=f"bench-model-{g:02d}") for g in range(generators)]
    chosen = []
    for p in range(prompts):
        prompt = Prompt.objects.create(slug=f"bench-{p:03d}", text=f"Object {p}", category=f"category-{p % 3}")
        chosen.append(prompt)
        for g, model in enumerate([None, *models]):
            triangles = TRIVIAL_TRIANGLES if g == 1 + p % generators else 20000
            asset = Asset(prompt=prompt, generator=model, is_reference=model is None, status=Status.OK,
                          stats={"triangles": triangles})  # fmt: skip
            asset.glb.name = names[(p + g) % len(names)]
            asset.save()
    study = Study(
        gold_rate=0.1,
        gate_pairs=2,
        gate_pass=2,
        screenout_code="BENCHSO",
        slug=SLUG,
        title="Which 3D model is better?",
        instructions="Look at both models, turn them around, then pick the **better** one.",
        consent="Your answers are stored without your name. You may stop at any time.",
        quota=quota,
        min_vote_seconds=0,
        completion_url="https://app.prolific.com/submissions/complete?cc={code}",
        completion_code="BENCH0K",
    )
    study_check(study)
    study.save()
    study.prompts.set(chosen)
    return [default_storage.size(name) for name in names]


def choose(battle: dict[str, Any], rng: random.Random) -> str:
    """A participant's answer: the other side when one is trivial (a gold pair: a person sees that at
    once), else any of the four."""
    trivial = [side for side in "ab" if (battle[side]["triangles"] or 0) <= TRIVIAL_TRIANGLES]
    if len(trivial) == 1:
        return "b" if trivial == ["a"] else "a"
    return rng.choice(("a", "b", "tie", "both_bad"))


def link(participant: str) -> str:
    return f"/study/{SLUG}/?PROLIFIC_PID={participant}&STUDY_ID=66aa00bb11cc22dd33ee44ff&SESSION_ID=s{participant[:12]}"


# -- what each request costs inside Django --------------------------------------------------


def profile_in_process(*, participants: int, pairs: int) -> dict[str, dict[str, float]]:
    """CPU ms (median) and queries per request kind, through Django's test client: no server, no network."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    cpu: dict[str, list[float]] = {}
    queries: dict[str, list[int]] = {}

    def measure(kind: str, call: Any) -> Any:
        with CaptureQueriesContext(connection) as captured:
            start = time.process_time()
            response = call()
            if response.streaming:
                b"".join(response.streaming_content)
            elapsed = time.process_time() - start
        cpu.setdefault(kind, []).append(elapsed * 1000)
        queries.setdefault(kind, []).append(len(captured))
        return response

    # One client for all: each new one would load the middleware again (WhiteNoise indexes every static file).
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    for k in range(participants):
        client.cookies.clear()  # a new participant, in a new browser
        measure("link (Prolific parameters)", lambda c=client, k=k: c.get(link(f"profile{k:019d}")))
        measure("consent page", lambda c=client: c.get(f"/study/{SLUG}/"))
        measure("consent", lambda c=client: c.post(f"/study/{SLUG}/consent/", {"accept": "yes"}))
        measure("study page", lambda c=client: c.get(f"/study/{SLUG}/"))
        for _ in range(pairs):
            battle = measure("pair", lambda c=client: c.post(f"/study/{SLUG}/api/battles/", {}, "application/json"))
            battle = battle.json()
            measure("GLB (Django streams)", lambda c=client, b=battle: c.get(b["a"]["glb"]))
            with override_settings(ARENA_ACCEL_REDIRECT=ACCEL_PREFIX):
                measure("GLB (X-Accel-Redirect)", lambda c=client, b=battle: c.get(b["b"]["glb"]))
            body = {"token": battle["token"], "winner": choose(battle, random.Random(0))}
            measure("vote", lambda c=client, b=body: c.post(f"/study/{SLUG}/api/vote/", b, "application/json"))
    return {kind: {"cpu_ms": statistics.median(cpu[kind]), "queries": statistics.median(queries[kind])} for kind in cpu}


# -- the participants ----------------------------------------------------------------------


@dataclass
class Step:
    """One level: what the participants saw, and what the machine spent meanwhile."""

    way: str
    level: int
    ramp: float
    quota: int
    samples: Samples = field(default_factory=Samples)
    votes: dict[str, str] = field(default_factory=dict)  # battle public id -> winner, as acknowledged
    uncertain: set[str] = field(default_factory=set)
    active: int = 0
    peak: int = 0
    completed: int = 0
    load: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # cores used, by who
    server: dict[str, list[float]] = field(default_factory=dict)  # nginx's seconds per request, by kind

    def server_p99(self) -> float | None:
        """The worst p99 over the request kinds as nginx timed them (None: no nginx in front)."""
        kinds = [values for values in self.server.values() if values]
        return max(float(np.percentile(values, 99)) * 1000 for values in kinds) if kinds else None

    def p99(self, kind: str) -> float:
        return self.samples.ms(kind, 99)

    def failures(self) -> int:
        return sum(self.samples.failures.values())

    def met(self) -> bool:
        measured = [kind for kind in KINDS if self.samples.latency[kind]]
        return not self.failures() and len(measured) == len(KINDS) and all(self.p99(k) < GOAL_P99_MS for k in KINDS)

    def requests_per_second(self) -> float:
        return sum(len(v) for v in self.samples.latency.values()) / max(
            self.samples.finished - self.samples.started, 1e-9
        )


@dataclass
class Answer:
    """A response read whole: what `timed` and the participant need of it."""

    status_code: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def fetch(client: Any, method: str, path: str, **options: Any) -> Answer:
    """One request, its body read (a GLB's megabytes included), without following redirects."""
    async with client.request(method, path, allow_redirects=False, **options) as response:
        return Answer(response.status, await response.read())


def client_address(n: int) -> str:
    """The ``n``-th participant's own loopback address (127.1.0.1, 127.1.0.2, ...): as on a real launch,
    each comes from their own network, and the per-network limits count them apart."""
    return f"127.{1 + n // 62500}.{n // 250 % 250}.{n % 250 + 1}"


ADDRESSES = itertools.count()  # participants so far in this run: each step's get new addresses


async def participant(aiohttp: Any, url: str, pid: str, step: Step, rng: random.Random, think: float,
                      end: float, address: str) -> None:  # fmt: skip
    """One participant from the link to the quota, or to the end of the step.

    aiohttp, not httpx: it costs the load generator, which shares the cores with the servers, about
    a fifth of httpx's CPU per request (0.4 against 1.9 ms for a small answer, 1.1 against 4.3 ms
    for a GLB of 1.25 MB).
    """
    samples = step.samples
    # unsafe: keep cookies set by a numeric host (127.0.0.1), as a browser does.
    jar = aiohttp.CookieJar(unsafe=True)
    connector = aiohttp.TCPConnector(limit=6, local_addr=(address, 0))
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(url, cookie_jar=jar, connector=connector, timeout=timeout) as client:
        step.active += 1
        step.peak = max(step.peak, step.active)
        try:
            await timed(samples, "link (Prolific parameters)", fetch(client, "GET", link(pid)), (302,))
            await timed(samples, "consent page", fetch(client, "GET", f"/study/{SLUG}/"))
            headers = {"X-CSRFToken": next((c.value for c in jar if c.key == "csrftoken"), "")}
            consent = fetch(client, "POST", f"/study/{SLUG}/consent/", data={"accept": "yes"}, headers=headers)
            await timed(samples, "consent", consent, (302,))
            await timed(samples, "study page", fetch(client, "GET", f"/study/{SLUG}/"))
            for _ in range(2 * step.quota):  # votes under the minimum time do not count: bounded anyway
                if time.perf_counter() >= end:
                    return
                served = await timed(
                    samples, "pair", fetch(client, "POST", f"/study/{SLUG}/api/battles/", json={}, headers=headers)
                )
                if served.status_code != 200:
                    return
                battle = served.json()
                await asyncio.gather(
                    *(timed(samples, "GLB", fetch(client, "GET", battle[side]["glb"])) for side in "ab")
                )
                await asyncio.sleep(
                    max(0.0, min(rng.lognormvariate(math.log(think), THINK_SIGMA), end - time.perf_counter()))
                )
                if time.perf_counter() >= end:
                    return
                winner = choose(battle, rng)
                battle_id = battle["a"]["glb"].split("/")[3]
                body = {"token": battle["token"], "winner": winner}
                try:
                    voted = await timed(
                        samples, "vote", fetch(client, "POST", f"/study/{SLUG}/api/vote/", json=body, headers=headers)
                    )
                except (aiohttp.ClientError, TimeoutError):
                    step.uncertain.add(battle_id)
                    raise
                if voted.status_code != 200:
                    return
                answer = voted.json()
                step.votes[battle_id] = winner
                if answer["study"]["status"] != "started":
                    step.completed += 1
                    return
        except (aiohttp.ClientError, TimeoutError):
            return  # counted as a failure by `timed`; a participant whose request failed leaves
        finally:
            step.active -= 1


async def run_step(aiohttp: Any, urls: list[str], step: Step, *, hold: float, think: float, seed: int,
                   pids: dict[str, list[int]], admin_url: str, access_log: Path | None = None) -> Step:  # fmt: skip
    """N participants arriving at times drawn in advance over the ramp; the step ends ramp + hold later.

    With nginx in front, `access_log` (emptied first) gives the server's side of each request's time.
    """
    if access_log is not None:
        access_log.write_bytes(b"")
    rng = random.Random(seed)
    arrivals = sorted(rng.uniform(0, step.ramp) for _ in range(step.level))
    before = cpu_snapshot(pids, admin_url)
    step.load = os.getloadavg()[0]
    start = time.perf_counter()
    end = start + step.ramp + hold
    step.samples.started, client_cpu = start, time.process_time()

    async def arrive(k: int, at: float) -> None:
        await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
        pid = f"{seed:06d}{k:06d}{rng.getrandbits(48):012x}"
        address = client_address(next(ADDRESSES))
        await participant(aiohttp, urls[k % len(urls)], pid, step, random.Random(seed * 100003 + k), think, end,
                          address)  # fmt: skip

    await asyncio.gather(*(arrive(k, at) for k, at in enumerate(arrivals)))
    step.samples.finished = time.perf_counter()
    wall = step.samples.finished - start
    step.samples.client_cpu = (time.process_time() - client_cpu) / wall
    after = cpu_snapshot(pids, admin_url)
    step.cpu = {who: (after[who] - before.get(who, 0.0)) / wall for who in after}
    step.cpu["load generator"] = step.samples.client_cpu
    if access_log is not None:
        step.server = server_times(access_log.read_text())
    return step


def server_times(log: str) -> dict[str, list[float]]:
    """Seconds nginx spent on each request (its access log), by kind: the pages, the pair, GLB, vote.

    The load generator shares the cores with the servers: when they are busy it runs late, and the
    times it measures grow by that delay too. nginx's times leave it out; a participant's browser, on
    their own machine, would see these plus the network.
    """
    times: dict[str, list[float]] = {"pages": [], "pair": [], "GLB": [], "vote": []}
    for line in log.splitlines():
        uri, _, seconds = line.partition(" ")[2].rpartition(" ")
        if uri.endswith("/api/battles/"):
            kind = "pair"
        elif uri.endswith("/api/vote/"):
            kind = "vote"
        elif uri.startswith("/arena/b/"):
            kind = "GLB"
        else:
            kind = "pages"
        times[kind].append(float(seconds))
    return times


# -- CPU, from /proc ----------------------------------------------------------------------


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (every process on the machine)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


def database_backends(admin_url: str) -> list[int]:
    """Server processes of the bench database's connections (the web processes' pools)."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [BENCH_DATABASE]).fetchall()
    return [row[0] for row in rows]


def group_cpu(group: int) -> float:
    """CPU seconds the live processes of a process group have used (a server and its workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def cpu_snapshot(groups: dict[str, list[int]], admin_url: str) -> dict[str, float]:
    """CPU seconds so far: each kind of server (its process groups: web processes, nginx) and the
    database's backends."""
    snapshot = {who: sum(group_cpu(group) for group in ids) for who, ids in groups.items()}
    snapshot["PostgreSQL"] = sum(process_cpu(pid) for pid in database_backends(admin_url))
    snapshot["whole machine"] = machine_busy()
    return snapshot


# -- the search ----------------------------------------------------------------------------


def next_level(results: dict[int, bool], ladder: tuple[int, ...] = LADDER, resolution: int = 25) -> int | None:
    """The next number of participants to try, or None when the search is done.

    Up the ladder while each level meets the goal; after a miss, halfway between the most
    participants that met it and the fewest that missed (rounded to ``resolution``); when no
    level met it yet, half the fewest that missed, until under ``resolution``.
    """
    met = [level for level, ok in results.items() if ok]
    missed = [level for level, ok in results.items() if not ok]
    best = max(met, default=0)
    worst = min(missed, default=None)
    if worst is None:
        higher = [level for level in ladder if level > best]
        return higher[0] if higher else None
    if best == 0:
        lower = (worst // 2) // resolution * resolution
        return lower if lower >= resolution and lower not in results else None
    middle = round((best + worst) / 2 / resolution) * resolution
    return middle if best < middle < worst else None


async def search(aiohttp: Any, urls: list[str], way: str, args: argparse.Namespace, pids: dict[str, list[int]],
                 admin_url: str, seed: int, access_log: Path | None) -> list[Step]:  # fmt: skip
    steps: list[Step] = []
    started = time.monotonic()
    step_seconds = args.ramp + args.hold + REQUEST_TIMEOUT / 3
    level: int | None = args.first
    while level is not None and time.monotonic() - started + step_seconds <= args.budget:
        step = Step(way=way, level=level, ramp=args.ramp, quota=args.quota)
        await run_step(aiohttp, urls, step, hold=args.hold, think=args.think, seed=seed + len(steps), pids=pids,
                       admin_url=admin_url, access_log=access_log)  # fmt: skip
        steps.append(step)
        print(progress_line(step), file=sys.stderr, flush=True)
        level = next_level({s.level: s.met() for s in steps})
    return steps


# -- the report ------------------------------------------------------------------------------


def progress_line(step: Step) -> str:
    worst = max(KINDS, key=lambda k: step.p99(k) if step.samples.latency[k] else -1)
    return (f"{step.way}: {step.level} participants, load {step.load:.2f}, {step.requests_per_second():.0f} req/s, "
            f"worst p99 {step.p99(worst):.0f} ms ({worst}), {step.failures()} failures: "
            f"{'met' if step.met() else 'missed'}")  # fmt: skip


def best_level(steps: list[Step]) -> int:
    return max((s.level for s in steps if s.met()), default=0)


def report(ways: dict[str, list[Step]], profile: dict[str, dict[str, float]], sizes: list[int],
           args: argparse.Namespace, problems: list[str], setup: str) -> str:  # fmt: skip
    short = {"link (Prolific parameters)": "link", "consent page": "consent page", "consent": "consent",
             "study page": "study page", "pair": "pair", "GLB": "GLB", "vote": "vote"}  # fmt: skip
    lines = [
        f"Study launch: {setup}; {os.cpu_count()} cores, Python {platform.python_version()}, database connections: "
        f"{connection_setup()}, {'cache in Redis' if args.redis else 'in-process caches'}; "
        f"a study of {args.prompts} prompts x {args.generators} models, quota {args.quota}, "
        f"GLBs of {min(sizes) / 1e6:.2f}-{max(sizes) / 1e6:.2f} MB (mean {statistics.mean(sizes) / 1e6:.2f} MB); "
        f"each step: N participants arriving over {args.ramp:g} s, then all N in the study for {args.hold:g} s; "
        f"looking at a pair: log-normal, median {args.think:g} s, sigma {THINK_SIGMA}. "
        f"Goal: p99 < {GOAL_P99_MS:g} ms for every request kind, at {GOAL_PARTICIPANTS} participants or more.",
        "",
        "| way of sending GLBs | participants | load avg | req/s | "
        + " | ".join(f"p99 {short[k]}" for k in KINDS)
        + " | failures | goal | worst p99 as nginx timed it | CPU cores: web / nginx / PostgreSQL / load generator / "
        "machine |",
        "|---|---:|---:|---:|" + "---:|" * len(KINDS) + "---:|---|---:|---|",
    ]
    for way, steps in ways.items():
        for step in sorted(steps, key=lambda s: s.level):
            cores = " / ".join(f"{step.cpu[who]:.2f}" if who in step.cpu else "-" for who in
                               ("web processes", "nginx", "PostgreSQL", "load generator", "whole machine"))  # fmt: skip
            p99s = " | ".join(f"{step.p99(k):.0f}" for k in KINDS)
            server = step.server_p99()
            lines.append(f"| {way} | {step.level} | {step.load:.2f} | {step.requests_per_second():.0f} | {p99s} | "
                         f"{step.failures()} | {'met' if step.met() else 'missed'} | "
                         f"{'-' if server is None else f'{server:.0f}'} | {cores} |")  # fmt: skip
    for way, steps in ways.items():
        best = [s for s in steps if s.level == best_level(steps)] or sorted(steps, key=lambda s: s.level)[:1]
        for step in best:
            title = (f"{way}, {step.level} participants ({'met' if step.met() else 'missed'}; peak {step.peak} "
                     f"at once, {step.completed} reached the quota), per request kind:")  # fmt: skip
            lines += [
                "",
                title,
                "",
                "| request | count | p50 ms | p95 ms | p99 ms | failures |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            for kind in KINDS:
                failures = sum(n for (k, _), n in step.samples.failures.items() if k == kind)
                lines.append(f"| {kind} | {len(step.samples.latency[kind])} | {step.samples.ms(kind, 50):.0f} | "
                             f"{step.samples.ms(kind, 95):.0f} | {step.p99(kind):.0f} | {failures} |")  # fmt: skip
    lines += ["", "In-process cost per request kind (Django's test client on the same database, no server):", "",
              "| request | CPU ms (median) | queries |", "|---|---:|---:|"]  # fmt: skip
    lines += [f"| {kind} | {cost['cpu_ms']:.1f} | {cost['queries']:.0f} |" for kind, cost in profile.items()]
    lines.append("")
    verdicts = [f"{way}: {best_level(steps) or 'none of the levels tried'}" for way, steps in ways.items()]
    reached = max((best_level(steps) for steps in ways.values()), default=0)
    goal = "met" if reached >= GOAL_PARTICIPANTS else "not met"
    lines.append(f"Most participants at once with every p99 under {GOAL_P99_MS:g} ms: " + "; ".join(verdicts)
                 + f". Goal of {GOAL_PARTICIPANTS}: {goal}.")  # fmt: skip
    lines.append(
        "Integrity: " + ("the database holds exactly the acknowledged votes." if not problems else "PROBLEMS:")
    )
    lines += [f"- {p}" for p in problems]
    return "\n".join(lines)


def study_votes() -> dict[str, str]:
    from arena.models import Vote

    return dict(Vote.objects.filter(study__slug=SLUG).values_list("battle__public_id", "winner"))


def integrity_check(acknowledged: dict[str, str], uncertain: set[str], before: set[str]) -> list[str]:
    """The study's votes cast during the steps are exactly those the participants were told were taken."""
    stored = {battle: winner for battle, winner in study_votes().items() if battle not in before}
    problems = []
    lost = [b for b, w in acknowledged.items() if stored.get(b) != w]
    if lost:
        problems.append(f"{len(lost)} acknowledged votes missing or different, e.g. {lost[:3]}")
    extra = set(stored) - set(acknowledged) - uncertain
    if extra:
        problems.append(f"{len(extra)} stored votes were never acknowledged")
    return problems


# -- putting it together -------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m leaderboard.bench_study", description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=int, default=LADDER[0], help="participants of the first step")
    parser.add_argument("--ramp", type=float, default=45.0, help="seconds over which a step's participants arrive")
    parser.add_argument("--hold", type=float, default=35.0, help="seconds all of a step's participants stay after it")
    parser.add_argument("--think", type=float, default=8.0, help="median seconds looking at a pair")
    parser.add_argument("--quota", type=int, default=20)
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--generators", type=int, default=12)
    parser.add_argument("--budget", type=float, default=360.0, help="seconds of steps per way of sending GLBs")
    parser.add_argument("--ways", default="stream,accel", help="stream, accel or both (accel needs nginx)")
    parser.add_argument(
        "--no-nginx", action="store_true", help="clients straight to the web server, Django streams GLBs"
    )
    parser.add_argument(
        "--server",
        choices=("gunicorn", "daphne"),
        default="gunicorn",
        help="HTTP through gunicorn's sync workers (WSGI), or through daphne processes (ASGI)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="gunicorn's workers, or the number of daphne processes",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        help="the cache (sessions included) and channel layer in this Redis database, as the scaled-out "
        "deployment has them; emptied before and after the run (default: %(default)s)",
    )
    parser.add_argument("--no-redis", dest="redis", action="store_const", const=None,
                        help="in-process caches and sessions in the database instead")  # fmt: skip
    parser.add_argument("--log", help="keep the servers' output in this file (default: dropped with the run)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server on this machine; the bench creates and drops its own database there",
    )
    args = parser.parse_args(argv)
    if min(args.first, args.quota, args.workers) < 1 or min(args.ramp, args.hold, args.think) <= 0:
        parser.error("--first, --ramp, --hold, --think, --quota and --workers must be positive")
    unknown = set(args.ways.split(",")) - {"stream", "accel"}
    if unknown:
        parser.error(f"--ways: unknown {', '.join(sorted(unknown))}; expected stream and/or accel")
    return args


WAYS = {
    "stream": ("Django streams (through nginx)", ""),
    "accel": ("nginx sends (X-Accel-Redirect)", ACCEL_PREFIX),
}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import aiohttp
        import httpx
    except ImportError:
        print("leaderboard.bench_study needs httpx and aiohttp (pip install -r requirements-dev.txt)", file=sys.stderr)
        return 2
    binary = None if args.no_nginx else nginx_binary()
    ways = [w for w in args.ways.split(",") if binary or w == "stream"]
    admin_url, database_url = database_urls(args.postgres, BENCH_DATABASE)
    data_dir = Path(tempfile.mkdtemp(prefix="arena-bench-study-"))
    ports = free_ports(1 if args.server == "gunicorn" else args.workers)
    workers = args.workers if args.server == "gunicorn" else 1
    servers_label = (f"gunicorn with {args.workers} sync workers" if args.server == "gunicorn"
                     else f"{args.workers} daphne processes")  # fmt: skip
    servers: list[subprocess.Popen[bytes]] = []
    nginx: Nginx | None = None
    results: dict[str, list[Step]] = {}
    acknowledged: dict[str, str] = {}
    uncertain: set[str] = set()
    try:
        database_reset(admin_url, create=True, database=BENCH_DATABASE)
        redis_flush(args.redis)
        env = server_env(database_url, data_dir, ports, refresh=False, redis=args.redis)
        env["DB_POOL"] = "true"
        env["TRUSTED_PROXIES"] = "127.0.0.1"  # nginx: Django takes each participant's address from it
        sizes, profile = study_prepare(env, args)
        before = set(study_votes())  # the in-process profile's votes
        log = Path(args.log) if args.log else data_dir / "servers.log"
        for n, way in enumerate(ways):
            label, prefix = WAYS[way]
            if not binary:
                label = f"Django streams (straight to {args.server})"
            servers = servers_start(ports, {**env, "ARENA_ACCEL_REDIRECT": prefix}, log, server=args.server,
                                    workers=workers)  # fmt: skip
            direct = [f"http://127.0.0.1:{port}" for port in ports]
            servers_wait(httpx, direct, servers, log)
            pids = {"web processes": [s.pid for s in servers]}
            urls = direct
            if binary:
                nginx = nginx_start(binary=binary, upstreams=ports, media_root=data_dir / "media",
                                    folder=data_dir / f"nginx-{way}")  # fmt: skip
                urls, pids["nginx"] = [nginx.url], [nginx.process.pid]
            access_log = nginx.folder / "access.log" if nginx else None
            steps = asyncio.run(search(aiohttp, urls, label, args, pids, admin_url, seed=1000 * (n + 1),
                                       access_log=access_log))  # fmt: skip
            results[label] = steps
            for step in steps:
                acknowledged.update(step.votes)
                uncertain |= step.uncertain
            nginx_stop(nginx)
            servers_stop(servers)
        from django.db import connections

        connections.close_all()
        problems = integrity_check(acknowledged, uncertain, before)
        setup = (f"{servers_label}{' behind nginx ' + nginx_version(binary) if binary else ''}, PostgreSQL, "
                 f"load average {os.getloadavg()[0]:.2f} at the end")  # fmt: skip
        print(report(results, profile, sizes, args, problems, setup))
        return 1 if problems else 0
    finally:
        nginx_stop(nginx)
        servers_stop(servers)
        from django.db import connections

        connections.close_all()
        database_reset(admin_url, create=False, database=BENCH_DATABASE)
        redis_flush(args.redis)
        shutil.rmtree(data_dir, ignore_errors=True)


def nginx_version(binary: str) -> str:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).strip().split("/")[-1]


def study_prepare(env: dict[str, str], args: argparse.Namespace) -> tuple[list[int], dict[str, dict[str, float]]]:
    """Point this process's Django at the bench database, migrate it, store the study and time each request kind."""
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    sizes = study_create(prompts=args.prompts, generators=args.generators, quota=args.quota)
    return sizes, profile_in_process(participants=10, pairs=min(5, args.quota))


if __name__ == "__main__":
    sys.exit(main())
