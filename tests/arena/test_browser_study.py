"""A whole study in a real browser: a Prolific participant consents, votes to the quota and is sent back with the code.

The page runs against the real views on pytest-django's live server; Prolific's completion address is
answered by the browser itself (Playwright's routing), so the test sees exactly where the page sends
the participant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arena.models import Participant, Study, Vote
from tests.arena.browser_helpers import artifact, wait_ready
from tests.arena.study_browser import LINK, PROLIFIC_DONE, SECRETS, prolific_page, shapes_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    yield from prolific_page(browser, live_server)


@pytest.fixture
def study(media_root) -> Study:  # type: ignore[no-untyped-def]
    return shapes_study(instructions="Look at both models, then pick the **better** one.")


def test_a_prolific_participant_consents_votes_to_the_quota_and_returns_with_the_code(page, study):
    page.goto(LINK)
    assert page.url.endswith("/study/shapes/")  # the platform's ids left the address bar
    assert page.locator(".study-text strong").first.inner_text() == "better"
    page.locator("#consent-accept").check()
    page.locator("#consent-submit").click()

    wait_ready(page, pairs=1)
    assert page.locator("#study-progress-text").inner_text() == "0 of 2 pairs"
    page.get_by_role("button", name="A is better").click()
    page.wait_for_function("() => arenaState.phase === 'voted'")
    assert page.locator("#study-progress-text").inner_text() == "1 of 2 pairs"
    assert page.locator(".reveal:visible").count() == 0  # the study keeps the names hidden
    body = page.content()
    assert not any(secret in body for secret in SECRETS)
    page.screenshot(path=artifact("study-voted.png"))

    page.get_by_role("button", name="Next pair").click()
    wait_ready(page, pairs=2)
    page.keyboard.press("b")
    page.wait_for_function("() => arenaState.phase === 'finished'")
    assert page.locator("#study-done-code").inner_text() == "C0MPL3T3"
    assert page.locator("#study-done-link").get_attribute("href") == PROLIFIC_DONE
    page.screenshot(path=artifact("study-finished.png"))
    page.wait_for_url(PROLIFIC_DONE)

    participant = Participant.objects.get()
    assert participant.status == "completed" and participant.platform == "prolific"
    assert list(Vote.objects.order_by("id").values_list("winner", flat=True)) == ["a", "b"]
    assert all(v.study_id == study.id and v.participant_id == participant.id for v in Vote.objects.all())

    # The same participant, back through the link: refused, with the code shown again.
    page.goto(LINK)
    page.locator("#study-notice").wait_for()
    assert "already completed this study" in page.locator("h1").inner_text()
    assert page.locator("#study-code").inner_text() == "C0MPL3T3"
    assert Participant.objects.count() == 1 and Vote.objects.count() == 2
