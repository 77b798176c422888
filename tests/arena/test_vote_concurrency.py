"""Votes under concurrency, on PostgreSQL: every acknowledged vote is stored once, nothing else is.

Threads stand in for simultaneous requests, each with its own database
connection; a barrier releases them together so their transactions overlap.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from arena.models import Annotator, Battle, Vote
from arena.services import ArenaError, battle_create, battle_token, vote_record
from leaderboard.services import snapshot_compute

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16
ROUNDS = 3  # the cast has four pairs, so each annotator can take up to four battles
WINNERS = ("a", "b", "tie", "both_bad")


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):
    settings.ARENA_MIN_VOTE_SECONDS = 0


def run_together(work: Callable[[int, threading.Barrier], Any], n: int = THREADS) -> list[Any]:
    """Run ``work(k, barrier)`` in ``n`` threads; each closes its own database connection."""
    barrier = threading.Barrier(n, timeout=60)

    def one(k: int) -> Any:
        try:
            return work(k, barrier)
        except BaseException:
            barrier.abort()  # the others stop waiting for this thread
            raise
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(one, k) for k in range(n)]
    errors = [f.exception() for f in futures if f.exception() is not None]
    # Report the failure that broke the barrier, not the threads it released.
    errors.sort(key=lambda e: isinstance(e, threading.BrokenBarrierError))
    if errors:
        raise errors[0]
    return [f.result() for f in futures]


@dataclass
class Outcome:
    """What one caller was told."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # battle public id -> winner
    refused: list[int] = field(default_factory=list)  # HTTP statuses
    repeated: list[str] = field(default_factory=list)  # winners of answers flagged as a retry of a stored vote


def stored_votes() -> dict[str, str]:
    return dict(Vote.objects.values_list("battle__public_id", "winner"))


def assert_stored_exactly(outcomes: list[Outcome]) -> None:
    acknowledged: dict[str, str] = {}
    for outcome in outcomes:
        assert not acknowledged.keys() & outcome.acknowledged.keys(), "a battle was acknowledged twice"
        acknowledged |= outcome.acknowledged
    assert stored_votes() == acknowledged
    assert Vote.objects.count() == len(acknowledged) == Battle.objects.filter(revealed_at__isnull=False).count()


def assert_one_vote_and_its_repeats(outcomes: list[Outcome]) -> None:
    """One vote stored; the same choice again is answered as a retry, any other refused."""
    assert sum(len(o.acknowledged) for o in outcomes) == 1
    (winner,) = (w for o in outcomes for w in o.acknowledged.values())
    repeated = [w for o in outcomes for w in o.repeated]
    assert repeated == [winner] * (THREADS // len(WINNERS) - 1)
    assert sorted(s for o in outcomes for s in o.refused) == [409] * (THREADS - 1 - len(repeated))
    assert_stored_exactly(outcomes)


def test_it_stores_each_vote_once_when_annotators_vote_at_the_same_moment(cast):
    annotators = [Annotator.objects.create() for _ in range(THREADS)]

    def annotate(k: int, barrier: threading.Barrier) -> Outcome:
        outcome = Outcome()
        for r in range(ROUNDS):
            barrier.wait()
            battle = battle_create(annotator=annotators[k])
            barrier.wait()
            winner = WINNERS[(k + r) % len(WINNERS)]
            vote = vote_record(token=battle_token(battle=battle), annotator=annotators[k], winner=winner)
            outcome.acknowledged[battle.public_id] = vote.winner
        return outcome

    outcomes = run_together(annotate)
    assert_stored_exactly(outcomes)
    assert Vote.objects.count() == THREADS * ROUNDS
    for annotator in annotators:
        assert Vote.objects.filter(annotator=annotator).count() == ROUNDS


def test_only_one_of_many_simultaneous_votes_on_a_battle_counts(cast, annotator):
    battle = battle_create(annotator=annotator)
    token = battle_token(battle=battle)

    def vote(k: int, barrier: threading.Barrier) -> Outcome:
        outcome = Outcome()
        barrier.wait()
        try:
            recorded = vote_record(token=token, annotator=annotator, winner=WINNERS[k % len(WINNERS)])
        except ArenaError as refused:
            outcome.refused.append(refused.status)
        else:
            if recorded.duplicate:
                outcome.repeated.append(recorded.winner)
            else:
                outcome.acknowledged[battle.public_id] = recorded.winner
        return outcome

    outcomes = run_together(vote)
    assert_one_vote_and_its_repeats(outcomes)


# -- through the views -----------------------------------------------------------


def post_json(client: Client, url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = client.post(
        url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )
    return response.status_code, response.json()


def browser() -> Client:
    """A client that checks CSRF as the site does, with its session and CSRF cookies set."""
    client = Client(enforce_csrf_checks=True)
    assert client.get("/arena/").status_code == 200
    return client


def battle_id(payload: dict[str, Any]) -> str:
    return payload["a"]["glb"].split("/")[3]


def test_the_views_store_each_acknowledged_vote_once_under_concurrency(cast):
    def annotate(k: int, barrier: threading.Barrier) -> Outcome:
        client, outcome = browser(), Outcome()
        for r in range(ROUNDS):
            barrier.wait()
            status, battle = post_json(client, "/arena/api/battles/", {})
            assert status == 200, battle
            assert all(client.get(battle[side]["glb"]).status_code == 200 for side in ("a", "b"))
            barrier.wait()
            winner = WINNERS[(k + r) % len(WINNERS)]
            status, result = post_json(client, "/arena/api/vote/", {"token": battle["token"], "winner": winner})
            if status == 200:
                outcome.acknowledged[battle_id(battle)] = winner
            else:
                outcome.refused.append(status)
        return outcome

    outcomes = run_together(annotate)
    assert [s for o in outcomes for s in o.refused] == []
    assert_stored_exactly(outcomes)
    assert Annotator.objects.count() == THREADS
    assert Vote.objects.count() == THREADS * ROUNDS
    # The leaderboard, recomputed, counts each of them once.
    board = snapshot_compute()
    assert board is not None and board.n_votes == THREADS * ROUNDS
    assert sum(row["battles"] for row in board.rows) == 2 * THREADS * ROUNDS


def test_the_views_take_one_vote_when_one_token_is_replayed_at_once(cast):
    owner = browser()
    status, battle = post_json(owner, "/arena/api/battles/", {})
    assert status == 200
    cookies = owner.cookies

    def replay(k: int, barrier: threading.Barrier) -> Outcome:
        client, outcome = Client(enforce_csrf_checks=True), Outcome()
        client.cookies = cookies.__class__(cookies)  # the same session, as from several tabs
        winner = WINNERS[k % len(WINNERS)]
        barrier.wait()
        status, result = post_json(client, "/arena/api/vote/", {"token": battle["token"], "winner": winner})
        if status == 200 and result["duplicate"]:
            outcome.repeated.append(winner)
        elif status == 200:
            outcome.acknowledged[battle_id(battle)] = winner
        else:
            assert "already been voted" in result["error"]
            outcome.refused.append(status)
        return outcome

    outcomes = run_together(replay)
    assert_one_vote_and_its_repeats(outcomes)


def test_a_participants_votes_from_several_tabs_at_once_settle_the_quota_one_after_the_other(cast):
    from arena.models import Participant, ParticipantStatus, Study

    quota = 4  # the cast's four pairs
    study = Study.objects.create(slug="tabs", title="Tabs", quota=quota, min_vote_seconds=0, completion_code="DONE")
    study.prompts.set(cast.prompts)
    owner = browser()
    assert owner.get("/study/tabs/?PROLIFIC_PID=5f1e0c9a7b3d2e4f6a8b0c1d").status_code == 302
    owner.get("/study/tabs/")  # the consent page sets the CSRF cookie
    consent = owner.post("/study/tabs/consent/", {"accept": "yes"}, HTTP_X_CSRFTOKEN=owner.cookies["csrftoken"].value)
    assert consent.status_code == 302
    battles = []
    for _ in range(quota):
        status, battle = post_json(owner, "/study/tabs/api/battles/", {})
        assert status == 200, battle
        battles.append(battle)
    cookies = owner.cookies

    def vote(k: int, barrier: threading.Barrier) -> dict[str, Any]:
        client = Client(enforce_csrf_checks=True)
        client.cookies = cookies.__class__(cookies)  # the same session, in another tab
        barrier.wait()
        status, result = post_json(client, "/study/tabs/api/vote/", {"token": battles[k]["token"], "winner": "a"})
        assert status == 200, result
        return result["study"]

    answers = run_together(vote, n=quota)
    # Each vote was settled under the participant's lock: each saw the ones before it, none the same count.
    assert sorted(a["done"] for a in answers) == list(range(1, quota + 1))
    assert [a["status"] for a in answers if a["done"] == quota] == [ParticipantStatus.COMPLETED]
    assert all(a["code"] == "DONE" for a in answers if a["done"] == quota)
    participant = Participant.objects.get(study=study)
    assert participant.status == ParticipantStatus.COMPLETED and participant.finished_at is not None
    assert Vote.objects.filter(participant=participant).count() == quota
