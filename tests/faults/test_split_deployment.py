"""The split deployment of deploy/nginx.conf: nginx sends HTTP to gunicorn and websockets to daphne.

Real processes on loopback: nginx (run as this user; leaderboard.bench_study's configuration, with
the shipped `/protected/` location and X-Forwarded-For set to the address nginx sees, as
deploy/nginx.conf does), one gunicorn with two sync workers, one daphne, PostgreSQL, and a private
Redis as the channel layer. The browser connects from 127.0.0.2 while nginx reaches gunicorn from
127.0.0.1 (TRUSTED_PROXIES), so the address Django stores can only come from nginx's header.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from arena.models import Battle
from leaderboard.bench_study import Nginx, nginx_binary, nginx_start, nginx_stop
from tests.conftest import missing_service
from tests.faults.clients import WebSocket, wait_until
from tests.faults.processes import Processes, RedisServer, free_port, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BROWSER = "127.0.0.2"  # a loopback address of its own: not nginx's, not a trusted proxy
SPOOFED = "203.0.113.9"


@pytest.fixture
def nginx(processes: Processes, private_redis: RedisServer, rendered_arena: int, tmp_path: Path) -> Iterator[Nginx]:
    binary = nginx_binary()
    if binary is None:
        missing_service("needs Debian's nginx (apt-get install nginx)")
    media = tmp_path / "media"
    media.mkdir()
    env = server_env(media=media, redis_url=private_redis.url(), TRUSTED_PROXIES="127.0.0.1")
    http_port, ws_port = free_port(), free_port()
    command = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{http_port}", "-w", "2",
               "--access-logfile", "-", "config.wsgi:application"]  # fmt: skip
    processes.wait_until_serving("gunicorn", processes.start("gunicorn", command, env), http_port)
    processes.web("daphne", ws_port, env)
    server = nginx_start(
        binary=binary, upstreams=[http_port], websocket_upstreams=[ws_port], media_root=media, folder=tmp_path / "nginx"
    )
    yield server
    nginx_stop(server)


def answered_by_gunicorn(processes: Processes, request_line: str) -> bool:
    """gunicorn's access log has the request, from nginx's address (a line is written once the answer is sent)."""
    log = processes.tail("gunicorn", chars=1_000_000)
    return re.search(rf'^127\.0\.0\.1 .*"{re.escape(request_line)} HTTP/1\.[01]" 200 ', log, re.MULTILINE) is not None


def test_a_vote_over_http_on_gunicorn_reaches_a_websocket_on_daphne_and_stores_the_real_client(nginx, processes):
    with httpx.Client(base_url=nginx.url, transport=httpx.HTTPTransport(local_address=BROWSER), timeout=30) as browser:
        assert browser.get("/arena/").status_code == 200
        assert browser.get("/arena/api/stats/").json() == {"votes_today": 0}
        live = WebSocket.connect(nginx.url.replace("http://", "ws://") + "/ws/arena/", timeout=10)
        try:
            assert live.receive(timeout=10) == {"votes_today": 0}  # the consumer's greeting
            # A client naming another address: nginx replaces the header with the one it sees.
            headers = {"X-CSRFToken": browser.cookies["csrftoken"], "X-Forwarded-For": SPOOFED}
            pair = browser.post("/arena/api/battles/", json={}, headers=headers)
            assert pair.status_code == 200, pair.text
            body = {"token": pair.json()["token"], "winner": "a"}
            vote = browser.post("/arena/api/vote/", json=body, headers=headers)
            assert vote.status_code == 200 and vote.json()["counted"], vote.text
            # Broadcast by the gunicorn worker that took the vote, through Redis, to daphne's socket.
            assert live.receive(timeout=10) == {"votes_today": 1}
        finally:
            live.close()

    requests = ("GET /arena/", "GET /arena/api/stats/", "POST /arena/api/battles/", "POST /arena/api/vote/")
    assert wait_until(lambda: all(answered_by_gunicorn(processes, line) for line in requests), 10), (
        f"gunicorn did not answer all of {requests}:\n{processes.tail('gunicorn')}"
    )
    assert Battle.objects.get().ip_address == BROWSER
