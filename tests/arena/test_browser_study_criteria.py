"""A study with three criteria in a real browser: every screen answered from the keyboard, to the completion redirect.

As in test_browser_study.py, Prolific's completion address is answered by the browser itself (Playwright's
routing), so the test sees exactly where the page sends the participant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.base import ContentFile

from arena.models import Asset, CriterionVote, Generator, Participant, Prompt, Status, Study, Vote
from tests.arena.browser_helpers import artifact, shape, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PID = "5f1e0c9a7b3d2e4f6a8b0c1d"
LINK = f"/study/shapes/?PROLIFIC_PID={PID}&STUDY_ID=60aa0bb0cc0dd0ee0ff00112&SESSION_ID=sess0123456789"
PROLIFIC_DONE = "https://app.prolific.com/submissions/complete?cc=C0MPL3T3"
SECRETS = ("Zephyr-Secret-9", "Quill-Hidden-7", "Nimbus-Covert-3")


@pytest.fixture
def page(browser, live_server) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, base_url=live_server.url)
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
    """Two prompts, three secret models, a quota of two, three criteria."""
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
        consent="Your answers are stored without your name.",
        quota=2,
        min_vote_seconds=0,
        completion_url="https://app.prolific.com/submissions/complete?cc={code}",
        completion_code="C0MPL3T3",
        criteria=[
            {"key": "fidelity", "label": "Prompt fidelity", "help": "Does it show what the prompt asks?"},
            {"key": "geometry", "label": "Geometry quality", "help": "Clean, closed surfaces."},
            {"key": "detail", "label": "Detail", "help": ""},
        ],
    )
    study.prompts.set(prompts)
    return study


def current_row(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".criterion.is-current").get_attribute("data-criterion")


@pytest.mark.parametrize("run", range(3))
def test_a_participant_answers_every_criterion_by_keyboard_to_the_completion_redirect(page, study, run):
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
    page.screenshot(path=artifact(f"study-criteria-answered-{run}.png"))
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
