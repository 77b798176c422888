"""The web process stopped (SIGTERM) or killed (SIGKILL) under load, and a new one started on its port.

Clients see a connection error (or a 503) only for requests the server never
answered; they retry the same vote, and a vote stored before its answer was
lost is answered again (`"duplicate": true`) and counted once.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from arena.models import Vote
from tests.faults.clients import Annotator, battle_of, run_annotators, server_errors, wait_until
from tests.faults.processes import free_port, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOAD_SECONDS = 90.0  # the clients' own deadline; the test stops them much sooner


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_restarted_web_process_loses_no_acknowledged_vote_and_counts_none_twice(
    processes, rendered_arena, tmp_path, sig
):
    env = server_env(media=tmp_path / "media", LEADERBOARD_DEBOUNCE_SECONDS="3600")
    port = free_port()
    web = processes.web("web-first", port, env)
    annotators = [Annotator(f"http://127.0.0.1:{port}", pause=0.05) for _ in range(4)]
    for annotator in annotators:
        annotator.open()
    stop = threading.Event()
    threads = run_annotators(annotators, stop, LOAD_SECONDS)
    try:
        assert wait_until(lambda: all(len(a.acknowledged) >= 3 for a in annotators), 20), "no votes before"
        # daphne may not exit on SIGTERM while a request is in flight (a thread of sync code
        # waits on the stopped event loop): like systemd after TimeoutStopSec, kill it then.
        processes.kill(web, sig, seconds=5)
        stopped = time.monotonic()
        processes.web("web-second", port, env)
        serving = time.monotonic()
        assert wait_until(lambda: all(a.acknowledged_after(serving) >= 3 for a in annotators), 30), (
            f"voting did not resume after the restart; server errors: {server_errors(annotators)[:2]}"
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    assert not any(thread.is_alive() for thread in threads)
    answers = [a for annotator in annotators for a in annotator.answers]
    assert server_errors(annotators) == []
    assert {a.status for a in answers} <= {200, 503, None}
    failed = [a for a in answers if a.status is None]
    assert failed, "no request noticed the restart"
    assert all(a.started < serving for a in failed), "a request failed after the new process was serving"
    assert any(a.started >= stopped for a in failed), "nothing was refused while no process listened"

    acknowledged = {battle: winner for a in annotators for battle, (winner, _) in a.acknowledged.items()}
    assert sum(len(a.acknowledged) for a in annotators) == len(acknowledged)
    stored = dict(Vote.objects.values_list("battle__public_id", "winner"))
    assert stored == acknowledged  # every retried vote was answered in the end, none counted twice

    # A client whose answer was lost sends the same vote again: the same acknowledgement, counted once.
    for annotator in annotators:
        token, winner = annotator.last_token
        again = annotator.post("/arena/api/vote/", {"token": token, "winner": winner})
        assert again.status == 200 and again.json()["duplicate"] is True
        other = next(w for w in ("a", "b") if w != winner)
        changed = annotator.post("/arena/api/vote/", {"token": token, "winner": other})
        assert changed.status == 409 and "already been voted" in changed.json()["error"]
    assert Vote.objects.count() == len(acknowledged)


@pytest.mark.redis
def test_a_vote_stored_before_its_answer_was_lost_is_answered_again_and_counted_once(
    processes, private_redis, rendered_arena, tmp_path
):
    # A stalled Redis holds the answer after the vote's commit (the broadcast waits on it);
    # the web process is killed right then, so the vote is stored but never acknowledged.
    env = server_env(media=tmp_path / "media", redis_url=private_redis.url(), LEADERBOARD_DEBOUNCE_SECONDS="3600")
    port = free_port()
    web = processes.web("web-first", port, env)
    annotator = Annotator(f"http://127.0.0.1:{port}")
    annotator.open()
    pair = annotator.post("/arena/api/battles/", {}).json()
    body = {"token": pair["token"], "winner": "tie"}
    assert private_redis.process is not None
    os.kill(private_redis.process.pid, signal.SIGSTOP)
    try:
        sending = threading.Thread(target=annotator.post, args=("/arena/api/vote/", body), daemon=True)
        sending.start()
        assert wait_until(lambda: Vote.objects.filter(battle__public_id=battle_of(pair)).exists(), 20)
        assert sending.is_alive(), "the vote was answered before the process was killed"
        processes.kill(web, signal.SIGKILL)
        sending.join(10)
    finally:
        os.kill(private_redis.process.pid, signal.SIGCONT)
    (lost,) = annotator.answers[1:]
    assert lost.status is None and lost.error  # a connection error: the client may retry

    processes.web("web-second", port, env)
    retry = annotator.post_until_answered("/arena/api/vote/", body, time.monotonic() + 30)
    assert retry is not None and retry.status == 200
    assert retry.json()["duplicate"] is True
    vote = Vote.objects.select_related("battle__asset_a__generator", "battle__asset_b__generator").get()
    assert vote.winner == "tie"
    revealed = retry.json()["reveal"]
    assert [revealed["a"]["name"], revealed["b"]["name"]] == [
        vote.battle.asset_a.generator.name,
        vote.battle.asset_b.generator.name,
    ]
