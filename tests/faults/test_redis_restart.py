"""Redis restarted while annotators vote through two web processes.

Redis carries the cache, the Channels layer and the Celery broker; the private
server here keeps nothing across the restart, as after a crash. Votes must stay
exactly-once, keep flowing, never turn into a 500, and open pages must hear of
new votes again once their websocket has reconnected (as static/js/lib/live.js does).
"""

from __future__ import annotations

import threading
import time

import pytest

from arena.models import Vote
from tests.faults.clients import Annotator, LiveSocket, run_annotators, server_errors, wait_until
from tests.faults.processes import free_port, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 2.0
LOAD_SECONDS = 60.0  # the clients' own deadline; the test stops them much sooner


def test_votes_survive_a_redis_restart_and_live_pages_hear_of_them_again(
    processes, private_redis, rendered_arena, tmp_path
):
    env = server_env(media=tmp_path / "media", redis_url=private_redis.url(), LEADERBOARD_DEBOUNCE_SECONDS="1")
    ports = [free_port(), free_port()]
    for k, port in enumerate(ports):
        processes.web(f"web{k + 1}", port, env)
    live = LiveSocket(f"ws://127.0.0.1:{ports[1]}/ws/arena/").start()
    annotators = [Annotator(f"http://127.0.0.1:{ports[k % 2]}") for k in range(4)]
    for annotator in annotators:
        annotator.open()
    stop = threading.Event()
    threads = run_annotators(annotators, stop, LOAD_SECONDS)
    try:
        assert wait_until(lambda: all(a.acknowledged for a in annotators), 20), "no votes before the restart"
        assert wait_until(lambda: live.broadcasts_after(0, greeted=True), 10), "no live update before the restart"
        before = Vote.objects.count()

        private_redis.stop()
        went_down = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        private_redis.start()
        came_back = time.monotonic()

        assert wait_until(lambda: all(a.acknowledged_after(came_back) >= 3 for a in annotators), 30), (
            f"voting did not resume after the restart; server errors: {server_errors(annotators)[:2]}"
        )
        assert wait_until(lambda: live.broadcasts_after(came_back, greeted=True), 30), (
            f"no live update after the restart (socket opened at {live.opened}, closed at {live.closed})"
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        live.close()

    assert not any(thread.is_alive() for thread in threads)
    bad = server_errors(annotators)
    assert bad == [], f"answers a client cannot act on: {bad[:3]}"
    acknowledged = {battle: winner for a in annotators for battle, (winner, _) in a.acknowledged.items()}
    assert sum(len(a.acknowledged) for a in annotators) == len(acknowledged)  # no battle acknowledged twice
    stored = dict(Vote.objects.values_list("battle__public_id", "winner"))
    assert {b: stored.get(b) for b in acknowledged} == acknowledged  # every acknowledged vote, as cast
    assert set(stored) - set(acknowledged) <= {b for a in annotators for b in a.unanswered}
    assert len(stored) > before
    during = [a for annotator in annotators for a in annotator.answers if went_down <= a.started <= came_back]
    assert during, "no request was made while Redis was down"
