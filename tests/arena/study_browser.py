"""What the browser tests of a study share: a Prolific participant's link, a page whose completion
address the browser answers itself (Playwright's routing), and a small study of three secret models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.files.base import ContentFile

from arena.models import Asset, Generator, Prompt, Status, Study
from tests.arena.browser_helpers import shape

PID = "5f1e0c9a7b3d2e4f6a8b0c1d"
LINK = f"/study/shapes/?PROLIFIC_PID={PID}&STUDY_ID=60aa0bb0cc0dd0ee0ff00112&SESSION_ID=sess0123456789"
PROLIFIC_DONE = "https://app.prolific.com/submissions/complete?cc=C0MPL3T3"
SECRETS = ("Zephyr-Secret-9", "Quill-Hidden-7", "Nimbus-Covert-3")


def prolific_page(browser: Any, live_server: Any, *, height: int = 900) -> Iterator[Any]:
    """A fresh page on the live server; it fails the test if the page threw."""
    context = browser.new_context(viewport={"width": 1280, "height": height}, base_url=live_server.url)
    context.route("https://app.prolific.com/**", lambda route: route.fulfill(body="Prolific: submission complete"))
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"the page threw: {errors}"


def shapes_study(**fields: Any) -> Study:
    """Two prompts, three secret models (six pairs), a quota of two, no reveal; `fields` override the study's."""
    prompts = [Prompt.objects.create(slug=slug, text=f"A {slug} made of simple parts") for slug in ("chair", "lamp")]
    for name, kinds in zip(SECRETS, (("chair", "lamp"), ("blob", "chair"), ("lamp", "blob")), strict=True):
        generator = Generator.objects.create(name=name)
        for prompt, kind in zip(prompts, kinds, strict=True):
            asset = Asset(prompt=prompt, generator=generator, status=Status.OK, stats={"triangles": 500})
            asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(shape(kind)), save=False)
            asset.save()
    defaults: dict[str, Any] = {
        "slug": "shapes",
        "title": "Which shape is better?",
        "consent": "Your answers are stored without your name.",
        "quota": 2,
        "min_vote_seconds": 0,
        "completion_url": "https://app.prolific.com/submissions/complete?cc={code}",
        "completion_code": "C0MPL3T3",
    }
    study = Study.objects.create(**{**defaults, **fields})
    study.prompts.set(prompts)
    return study


def add_gold(study: Study) -> None:
    """Gold pairs for every prompt of `study`: its reference against a fourth model's trivial output (12 triangles)."""
    trivial = Generator.objects.create(name="Trivial-Secret-1")
    for prompt in study.prompts.all():
        for generator, kind, triangles in ((None, "chair", 500), (trivial, "blob", 12)):
            asset = Asset(prompt=prompt, generator=generator, is_reference=generator is None, status=Status.OK,
                          stats={"triangles": triangles})  # fmt: skip
            asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(shape(kind)), save=False)
            asset.save()
