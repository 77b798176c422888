"""A study with three criteria in a real browser: every screen answered from the keyboard, to the completion redirect.

As in test_browser_study.py, Prolific's completion address is answered by the browser itself (Playwright's
routing), so the test sees exactly where the page sends the participant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arena.models import CriterionVote, Participant, Study, Vote
from tests.arena.browser_helpers import artifact, wait_ready
from tests.arena.study_browser import LINK, PROLIFIC_DONE, SECRETS, prolific_page, shapes_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRITERIA = [
    {"key": "fidelity", "label": "Prompt fidelity", "help": "Does it show what the prompt asks?"},
    {"key": "geometry", "label": "Geometry quality", "help": "Clean, closed surfaces."},
    {"key": "detail", "label": "Detail", "help": ""},
]


@pytest.fixture
def page(browser, live_server) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    yield from prolific_page(browser, live_server, height=1000)


@pytest.fixture
def study(media_root) -> Study:  # type: ignore[no-untyped-def]
    """The shapes study with three criteria."""
    return shapes_study(criteria=CRITERIA)


def current_row(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".criterion.is-current").get_attribute("data-criterion")


def test_a_participant_answers_every_criterion_by_keyboard_to_the_completion_redirect(page, study):
    page.goto(LINK)
    page.locator("#consent-accept").check()
    page.locator("#consent-submit").click()

    wait_ready(page, pairs=1)
    assert page.locator(".criterion").count() == 3 and page.locator("#vote-bar").count() == 0
    assert current_row(page) == "fidelity" and page.locator("#criteria-submit").is_disabled()
    page.keyboard.press("Enter")  # nothing answered yet: nothing sent
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('Please answer')")
    assert Vote.objects.count() == 0
    page.keyboard.press("a")
    page.wait_for_function("() => document.querySelector('.criterion.is-current').dataset.criterion === 'geometry'")
    page.keyboard.press("2")  # B
    assert current_row(page) == "detail"
    page.keyboard.press("t")
    page.wait_for_function("() => !document.getElementById('criteria-submit').disabled")
    assert page.locator('input[name="criterion-geometry"][value="b"]').is_checked()
    page.screenshot(path=artifact("study-criteria-answered.png"))
    page.keyboard.press("Enter")
    page.wait_for_function("() => arenaState.phase === 'voted'")
    assert page.locator("#study-progress-text").inner_text() == "1 of 2 pairs"
    assert "Geometry quality: B is better" in page.locator("#status").inner_text()
    assert not any(secret in page.content() for secret in SECRETS)

    page.keyboard.press("n")
    wait_ready(page, pairs=2)
    assert page.locator(".criterion input:checked").count() == 0 and current_row(page) == "fidelity"
    for key in ("x", "b", "a"):
        page.keyboard.press(key)
    page.wait_for_function("() => !document.getElementById('criteria-submit').disabled")
    page.keyboard.press("Enter")
    page.wait_for_function("() => arenaState.phase === 'finished'")
    assert page.locator("#study-done-code").inner_text() == "C0MPL3T3"
    page.wait_for_url(PROLIFIC_DONE)

    participant = Participant.objects.get()
    assert participant.status == "completed"
    votes = list(Vote.objects.order_by("id"))
    assert [v.winner for v in votes] == ["a", "both_bad"]  # the main vote is the first criterion
    answers = [dict(CriterionVote.objects.filter(vote=v).values_list("criterion", "winner")) for v in votes]
    assert answers == [
        {"fidelity": "a", "geometry": "b", "detail": "tie"},
        {"fidelity": "both_bad", "geometry": "b", "detail": "a"},
    ]
