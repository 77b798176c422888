"""A whole study in a real browser: a Prolific participant consents, votes to the quota and is sent back with the code.

The page runs against the real views on pytest-django's live server; Prolific's completion address is
answered by the browser itself (Playwright's routing), so the test sees exactly where the page sends
the participant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.base import ContentFile

from arena.models import Asset, Generator, Participant, Prompt, Status, Study, Vote
from tests.arena.browser_helpers import artifact, shape, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PID = "5f1e0c9a7b3d2e4f6a8b0c1d"
LINK = f"/study/shapes/?PROLIFIC_PID={PID}&STUDY_ID=60aa0bb0cc0dd0ee0ff00112&SESSION_ID=sess0123456789"
PROLIFIC_DONE = "https://app.prolific.com/submissions/complete?cc=C0MPL3T3"
SECRETS = ("Zephyr-Secret-9", "Quill-Hidden-7", "Nimbus-Covert-3")


@pytest.fixture
def page(browser, live_server) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.route("https://app.prolific.com/**", lambda route: route.fulfill(body="Prolific: submission complete"))
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"the page threw: {errors}"


@pytest.fixture
def study(media_root) -> Study:  # type: ignore[no-untyped-def]
    """Two prompts, three secret models (six pairs), a quota of two, no reveal."""
    prompts = [Prompt.objects.create(slug=slug, text=f"A {slug} made of simple parts") for slug in ("chair", "lamp")]
    for name, kinds in zip(SECRETS, (("chair", "lamp"), ("blob", "chair"), ("lamp", "blob")), strict=True):
        generator = Generator.objects.create(name=name)
        for prompt, kind in zip(prompts, kinds, strict=True):
            asset = Asset(prompt=prompt, generator=generator, status=Status.OK, stats={"triangles": 500})
            asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(shape(kind)), save=False)
            asset.save()
    study = Study.objects.create(
        slug="shapes",
        title="Which shape is better?",
        instructions="Look at both models, then pick the **better** one.",
        consent="Your answers are stored without your name.",
        quota=2,
        min_vote_seconds=0,
        completion_url="https://app.prolific.com/submissions/complete?cc={code}",
        completion_code="C0MPL3T3",
    )
    study.prompts.set(prompts)
    return study


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
