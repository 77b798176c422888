"""The vote path's database work stays bounded, whatever the size of the arena.

A pair, a file and a vote each take a fixed number of queries: none of them
grows with the number of votes, battles or assets. The budgets are the counts
measured today; a change that adds a query per request fails here first.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from arena.models import Vote
from arena.selectors import votes_today

pytestmark = pytest.mark.django_db

# session, annotator, both rate limits (one query), annotator's past pairs, the chosen assets, insert
BATTLE_QUERIES = 6
# session, then the side's file names of the battle served to the session's annotator
FILE_QUERIES = 2
# session, annotator, then the locked write (begin, the token's battle locked with its
# assets, generators and settings, both rate limits in one query, insert, update, commit,
# then both sides' attempts for the reveal); a battle not revealed yet has no stored vote to look for
VOTE_QUERIES = 9


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):  # type: ignore[no-untyped-def]
    settings.ARENA_MIN_VOTE_SECONDS = 0


def round_trip(client) -> None:  # type: ignore[no-untyped-def]
    battle = client.post("/arena/api/battles/").json()
    client.get(battle["a"]["glb"])
    body = json.dumps({"token": battle["token"], "winner": "a"})
    client.post("/arena/api/vote/", body, content_type="application/json")


def test_each_request_of_a_round_trip_keeps_to_its_query_budget(client, cast, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    round_trip(client)  # the session, the annotator and the pair cache exist from here on
    with django_assert_max_num_queries(BATTLE_QUERIES):
        battle = client.post("/arena/api/battles/").json()
    with django_assert_max_num_queries(FILE_QUERIES):
        assert client.get(battle["b"]["glb"]).status_code == 200
    body = json.dumps({"token": battle["token"], "winner": "tie"})
    with django_assert_max_num_queries(VOTE_QUERIES):
        assert client.post("/arena/api/vote/", body, content_type="application/json").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_count_of_votes_today_is_fresh_after_each_vote(client, cast):  # type: ignore[no-untyped-def]
    cache.clear()
    assert votes_today() == 0
    round_trip(client)  # committed for real: the count is refreshed on commit
    battle = client.post("/arena/api/battles/").json()
    assert battle["votes_today"] == 1 == Vote.objects.count()
    body = json.dumps({"token": battle["token"], "winner": "b"})
    answer = client.post("/arena/api/vote/", body, content_type="application/json").json()
    assert answer["votes_today"] == 2


def test_the_count_after_a_vote_adds_one_to_the_cached_count_or_counts_afresh(cast, django_assert_num_queries):  # type: ignore[no-untyped-def]
    from arena.selectors import votes_today_after_vote

    cache.clear()
    with django_assert_num_queries(1):
        assert votes_today_after_vote() == 0  # nothing cached: counted (no votes yet)
    with django_assert_num_queries(0):
        assert votes_today_after_vote() == 1  # cached: one more, without a query
    cache.clear()
    assert votes_today_after_vote() == Vote.objects.count() == 0


# A study's requests: the session (the study is cached for a few seconds), then (pair: the participant
# with their annotator, the participant's own pair limit, past pairs, the chosen assets, insert, and the
# progress shown (one count); vote: begin, the participant with their annotator read once and locked,
# the battle locked, insert, update, the quota's count, commit: no hourly limits, the quota bounds a
# participant's votes; the vote is written in the participant's transaction, with no savepoint of its
# own, and the progress shown is the count the quota was settled with). With Redis the session comes
# from the cache too (config/sessions.py).
STUDY_BATTLE_QUERIES = 7
STUDY_VOTE_QUERIES = 8


def test_a_study_round_trip_keeps_to_its_query_budget(client, cast, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    from arena.models import Study

    study = Study.objects.create(slug="budget", title="Budget", quota=10, min_vote_seconds=0, completion_code="OK")
    study.prompts.set(cast.prompts)
    assert client.get("/study/budget/?PROLIFIC_PID=5f1e0c9a7b3d2e4f6a8b0c1d").status_code == 302
    assert client.post("/study/budget/consent/", {"accept": "yes"}).status_code == 302

    def pair_and_vote() -> None:
        with django_assert_max_num_queries(STUDY_BATTLE_QUERIES):
            battle = client.post("/study/budget/api/battles/").json()
        with django_assert_max_num_queries(FILE_QUERIES):
            assert client.get(battle["a"]["glb"]).status_code == 200
        body = json.dumps({"token": battle["token"], "winner": "b"})
        with django_assert_max_num_queries(STUDY_VOTE_QUERIES):
            answer = client.post("/study/budget/api/vote/", body, content_type="application/json")
        assert answer.status_code == 200 and answer.json()["study"]["done"] >= 1

    client.post("/study/budget/api/battles/")  # the pair cache is filled from here on
    pair_and_vote()
    pair_and_vote()
