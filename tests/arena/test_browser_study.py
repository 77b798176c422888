"""A whole study in a real browser: a Prolific participant consents, votes to the quota and is sent back with the code.

The page runs against the real views on pytest-django's live server; Prolific's completion address is
answered by the browser itself (Playwright's routing), so the test sees exactly where the page sends
the participant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arena.models import Battle, Participant, Study, Vote
from tests.arena.browser_helpers import artifact, wait_ready
from tests.arena.study_browser import LINK, PROLIFIC_DONE, SECRETS, add_gold, prolific_page, shapes_study

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


def served_battle(page) -> Battle:  # type: ignore[no-untyped-def]
    """The battle the page shows, from its GLB address (/arena/b/<battle>/a.glb)."""
    return Battle.objects.get(public_id=page.evaluate("() => arenaState.battle.a.glb").split("/")[3])


def consent(page) -> None:  # type: ignore[no-untyped-def]
    page.goto(LINK)
    page.locator("#consent-accept").check()
    page.locator("#consent-submit").click()


def test_a_participant_who_fails_the_gate_is_sent_back_with_the_screenout_code(page, study):
    add_gold(study)
    study.gate_pairs, study.gate_pass = 2, 2
    study.screenout_url, study.screenout_code = "https://app.prolific.com/submissions/complete?cc={code}", "SCR33N"
    study.save()
    consent(page)

    wait_ready(page, pairs=1)
    battle = served_battle(page)
    assert battle.is_gold
    page.keyboard.press("b" if battle.gold_answer == "a" else "a")  # the wrong side: passing is out of reach
    page.wait_for_function("() => arenaState.phase === 'finished'")
    assert page.locator("#study-done-code").inner_text() == "SCR33N"
    page.wait_for_url("https://app.prolific.com/submissions/complete?cc=SCR33N")
    assert Participant.objects.get().status == "screened_out"
    assert not any(secret in page.content() for secret in SECRETS)


def test_a_participant_who_passes_the_gate_goes_on_to_the_study_pairs(page, study):
    add_gold(study)
    study.gate_pairs, study.gate_pass, study.quota = 1, 1, 2
    study.save()
    consent(page)

    wait_ready(page, pairs=1)
    battle = served_battle(page)
    assert battle.is_gold
    page.keyboard.press(battle.gold_answer)
    page.wait_for_function("() => arenaState.phase === 'voted'")
    page.get_by_role("button", name="Next pair").click()
    wait_ready(page, pairs=2)
    assert not served_battle(page).is_gold
    assert Participant.objects.get().gate_passed_at is not None
    assert page.locator("#study-progress-text").inner_text() == "1 of 2 pairs"


def test_a_participant_who_closes_the_tab_resumes_where_they_were(browser, live_server, study):
    first = prolific_page(browser, live_server)
    page = next(first)
    consent(page)
    wait_ready(page, pairs=1)
    page.get_by_role("button", name="A is better").click()
    page.wait_for_function("() => arenaState.phase === 'voted'")
    next(first, None)  # the tab and its browser session are gone

    second = prolific_page(browser, live_server)
    page = next(second)
    page.goto(LINK)  # the same Prolific id, in a fresh browser session: no consent again, the same progress
    wait_ready(page, pairs=1)
    assert page.locator("#study-progress-text").inner_text() == "1 of 2 pairs"
    page.keyboard.press("b")
    page.wait_for_function("() => arenaState.phase === 'finished'")
    page.wait_for_url(PROLIFIC_DONE)
    next(second, None)
    assert Participant.objects.count() == 1 and Vote.objects.count() == 2
