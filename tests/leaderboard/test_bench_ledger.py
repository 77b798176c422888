"""The load benchmark's bookkeeping: what counts as an acknowledged vote, and what is an anomaly."""

from __future__ import annotations

from typing import Any

from leaderboard.bench_arena import Ledger, record_answers


class Answer:
    def __init__(self, status: int, body: dict[str, Any] | None = None) -> None:
        self.status_code = status
        self.body = body or {}

    def json(self) -> dict[str, Any]:
        return self.body


def test_it_books_a_single_accepted_vote():
    ledger = Ledger()
    record_answers(ledger, "b1", "a", [Answer(200, {"duplicate": False})])
    assert ledger.acknowledged == {"b1": "a"} and not ledger.anomalies and ledger.doubles == 0


def test_a_double_click_is_one_vote_and_one_duplicate_answer():
    ledger = Ledger()
    answers = [Answer(200, {"duplicate": True}), Answer(200, {"duplicate": False})]
    record_answers(ledger, "b1", "tie", answers)
    assert ledger.acknowledged == {"b1": "tie"} and ledger.doubles == 1 and not ledger.anomalies


def test_two_fresh_acceptances_of_one_battle_are_an_anomaly():
    ledger = Ledger()
    record_answers(ledger, "b1", "b", [Answer(200), Answer(200)])
    assert "b1" not in ledger.acknowledged
    assert any("2 votes accepted" in problem for problem in ledger.anomalies)


def test_a_refused_repeat_of_the_same_choice_is_an_anomaly():
    ledger = Ledger()
    record_answers(ledger, "b1", "a", [Answer(200), Answer(409, {"error": "already voted"})])
    assert ledger.acknowledged == {"b1": "a"}
    assert any("double submission answered [200, 409]" in problem for problem in ledger.anomalies)


def test_a_lost_answer_makes_the_vote_uncertain_not_wrong():
    ledger = Ledger()
    record_answers(ledger, "b1", "a", [ConnectionError("reset"), Answer(200)])
    assert ledger.uncertain == {"b1"} and ledger.acknowledged == {"b1": "a"} and not ledger.anomalies
