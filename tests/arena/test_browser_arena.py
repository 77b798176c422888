"""The vote page in a real browser: drawing, linked cameras, voting, fallbacks.

These run the page against the real views on pytest-django's live server (a
plain WSGI server: the live websocket is unavailable there, as it may be in
production, and the page must not need it). Screenshots land in
test-artifacts/.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trimesh
from django.core.files.base import ContentFile

from arena.models import Asset, Generator, Prompt, Status, Vote
from renderer.runtime.glb import GENERATOR, read_glb
from tests.arena.browser_helpers import (
    NO_WEBGL_SCRIPT,
    angle,
    artifact,
    camera,
    clay_views,
    coverage,
    drag,
    png_bytes,
    settle,
    shape,
    wait_drawn,
    wait_ready,
)
from tests.conftest import missing_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRETS = ("Zephyr-Secret-9", "Quill-Hidden-7", "Nimbus-Covert-3", "Hidden Provider Inc")


@pytest.fixture
def page(browser, live_server) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()
    assert not errors, f"the page threw: {errors}"


@pytest.fixture(autouse=True)
def _quick_votes(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ARENA_MIN_VOTE_SECONDS = 0


@dataclass
class Showroom:
    prompts: list[Prompt] = field(default_factory=list)
    generators: list[Generator] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        return {g.name for g in self.generators}


def add_asset(prompt: Prompt, generator: Generator, glb: bytes, views: int = 4) -> Asset:
    asset = Asset(prompt=prompt, generator=generator, status=Status.OK)
    asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(glb), save=False)
    from django.core.files.storage import default_storage

    asset.views = [
        default_storage.save(f"assets/{asset.public_id}/view_{i:03d}.png", ContentFile(png))
        for i, png in enumerate(clay_views(views))
    ]
    loaded = trimesh.load(trimesh.util.wrap_as_stream(glb), file_type="glb", force="scene")
    asset.stats = {"triangles": sum(len(g.faces) for g in loaded.geometry.values() if hasattr(g, "faces"))}
    asset.save()
    return asset


SHAPES = {
    "chair": {"Zephyr-Secret-9": "chair", "Quill-Hidden-7": "blob", "Nimbus-Covert-3": "lamp"},
    "lamp": {"Zephyr-Secret-9": "lamp", "Quill-Hidden-7": "chair", "Nimbus-Covert-3": "blob"},
}


@pytest.fixture
def showroom(media_root) -> Showroom:  # type: ignore[no-untyped-def]
    """Two text prompts, three generators with names that must stay secret: six pairs."""
    room = Showroom()
    for name in SECRETS[:3]:
        room.generators.append(Generator.objects.create(name=name, provider=SECRETS[3]))
    for slug, by_generator in SHAPES.items():
        prompt = Prompt.objects.create(slug=slug, text=f"A {slug} made of simple parts", category="furniture")
        room.prompts.append(prompt)
        for generator in room.generators:
            room.assets.append(add_asset(prompt, generator, shape(by_generator[generator.name])))
    return room


def open_arena(page, pairs: int = 1) -> None:  # type: ignore[no-untyped-def]
    page.goto("/arena/")
    wait_ready(page, pairs)


def revealed_names(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.wait_for_function("() => arenaState.phase === 'voted'")
    return [page.locator(f"#reveal-{side} .reveal-name").inner_text() for side in ("a", "b")]


def test_it_draws_both_models_and_reveals_the_names_after_a_click(page, showroom):
    open_arena(page)
    wait_drawn(page)
    for side in ("a", "b"):
        drawn = coverage(page, side)
        assert drawn is not None and 0.03 < drawn < 0.95, f"model {side} is not drawn: {drawn}"
        assert page.locator(f"#stats-{side}").inner_text().endswith("triangles")
    assert page.locator("#prompt-text").inner_text().endswith("made of simple parts")
    assert page.locator("#votes-today").inner_text() == "0"
    page.screenshot(path=artifact("arena-ready.png"))

    page.get_by_role("button", name="A is better").click()
    names = revealed_names(page)
    assert set(names) <= showroom.names and len(set(names)) == 2
    for side in ("a", "b"):
        assert page.locator(f"#reveal-{side} a").get_attribute("href").startswith("/renders/asset/")
    assert "You voted" in page.locator("#status").inner_text()
    assert page.locator("#votes-today").inner_text() == "1"
    assert page.locator(".vote:disabled").count() == 4
    page.screenshot(path=artifact("arena-revealed.png"))

    vote = Vote.objects.get()
    assert vote.winner == "a" and not vote.interacted_a and not vote.interacted_b

    page.get_by_role("button", name="Next pair").click()
    wait_ready(page, pairs=2)
    assert page.locator(".reveal:visible").count() == 0
    assert page.locator(".vote:enabled").count() == 4


def test_it_turns_both_cameras_together_until_unlinked(page, showroom):
    open_arena(page)
    wait_drawn(page)
    start_a, start_b = camera(page, "a"), camera(page, "b")
    assert angle(start_a["direction"], start_b["direction"]) < 0.5
    before = page.locator("#stage-b canvas").screenshot()

    drag(page, "a", 160, 40)
    settle(page)
    turned_a, turned_b = camera(page, "a"), camera(page, "b")
    assert angle(start_a["direction"], turned_a["direction"]) > 20
    assert angle(turned_a["direction"], turned_b["direction"]) < 0.5, "B did not follow A"
    assert page.locator("#stage-b canvas").screenshot() != before
    page.screenshot(path=artifact("arena-linked-turn.png"))

    page.mouse.move(*center(page, "b"))
    page.mouse.wheel(0, -400)
    settle(page)
    assert camera(page, "b")["distance"] < 0.95
    assert abs(camera(page, "a")["distance"] - camera(page, "b")["distance"]) < 0.01, "zoom is not shared"

    page.get_by_role("button", name="Cameras linked").click()
    assert page.locator("#link-button").get_attribute("aria-pressed") == "false"
    drag(page, "a", -200, 0)
    settle(page)
    alone_a, alone_b = camera(page, "a"), camera(page, "b")
    assert angle(turned_a["direction"], alone_a["direction"]) > 20
    assert angle(turned_b["direction"], alone_b["direction"]) < 0.5, "B moved while unlinked"

    page.get_by_role("button", name="Reset view").click()
    settle(page)
    assert angle(camera(page, "a")["direction"], start_a["direction"]) < 0.5
    assert angle(camera(page, "b")["direction"], start_b["direction"]) < 0.5

    page.keyboard.press("x")
    revealed_names(page)
    vote = Vote.objects.get()
    assert vote.winner == "both_bad" and vote.interacted_a and vote.interacted_b


def center(page, side: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    box = page.locator(f"#stage-{side}").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_it_votes_with_the_keyboard_and_moves_on_with_n_and_enter(page, showroom):
    open_arena(page)
    for kbd, name in (("A", "A is better"), ("B", "B is better"), ("T", "Tie"), ("X", "Both are bad")):
        button = page.get_by_role("button", name=name, exact=True)
        assert button.locator("kbd").inner_text() == kbd
        assert button.get_attribute("aria-keyshortcuts") == kbd
    page.keyboard.press("b")
    assert set(revealed_names(page)) <= showroom.names
    page.keyboard.press("n")
    wait_ready(page, pairs=2)

    page.keyboard.press("t")
    revealed_names(page)
    page.locator("body").focus()
    page.keyboard.press("Enter")
    wait_ready(page, pairs=3)
    assert list(Vote.objects.order_by("created_at").values_list("winner", flat=True)) == ["b", "tie"]


# A stand-in for the server's websocket: it pushes one count soon after opening.
FAKE_LIVE_SOCKET = """
window.WebSocket = class {
  constructor(url) {
    window.liveSocketUrl = url;
    this.listeners = {};
    setTimeout(() => (this.listeners.open || []).forEach((f) => f({})), 10);
    window.pushLive = (data) => (this.listeners.message || []).forEach((f) => f({ data: JSON.stringify(data) }));
  }
  addEventListener(type, listener) { (this.listeners[type] ||= []).push(listener); }
  close() {}
};
"""


def test_it_updates_the_vote_count_from_the_live_socket(page, showroom):
    page.add_init_script(FAKE_LIVE_SOCKET)
    open_arena(page)
    assert page.evaluate("window.liveSocketUrl").endswith("/ws/arena/")
    page.evaluate("window.pushLive({votes_today: 1234})")
    assert page.locator("#votes-today").inner_text() == "1,234"
    page.evaluate("window.pushLive({something: 'else'})")
    assert page.locator("#votes-today").inner_text() == "1,234"


def test_it_waits_for_both_models_before_taking_a_vote(page, showroom):
    # Hold the second GLB back: until it arrives no vote can be cast.
    held: list = []
    page.route("**/b.glb", lambda route: held.append(route))
    page.goto("/arena/")
    page.wait_for_function("() => window.arenaState && arenaState.loaded.a")
    assert page.evaluate("arenaState.phase") == "loading"
    assert page.locator(".vote:enabled").count() == 0
    assert page.locator("#stage-b .viewer-loading").is_visible()
    page.keyboard.press("a")
    page.wait_for_timeout(200)
    assert Vote.objects.count() == 0 and page.evaluate("arenaState.phase") == "loading"
    for route in held:
        route.continue_()
    page.unroute("**/b.glb")
    wait_ready(page)
    assert page.locator(".vote:enabled").count() == 4


def test_it_auto_advances_and_remembers_the_choice(page, showroom):
    open_arena(page)
    page.get_by_label("Auto-advance").check()
    page.get_by_role("button", name="B is better").click()
    revealed_names(page)
    wait_ready(page, pairs=2, timeout=8_000)

    page.reload()
    wait_ready(page)
    assert page.get_by_label("Auto-advance").is_checked()
    page.get_by_label("Auto-advance").uncheck()
    page.keyboard.press("a")
    revealed_names(page)
    page.wait_for_timeout(2_600)
    assert page.evaluate("arenaState.phase") == "voted"


def test_it_skips_to_a_new_pair_without_a_vote(page, showroom):
    open_arena(page)
    first = page.evaluate("arenaState.battle.token")
    page.get_by_role("button", name="Skip this pair").click()
    wait_ready(page, pairs=2)
    assert page.evaluate("arenaState.battle.token") != first
    page.keyboard.press("s")
    wait_ready(page, pairs=3)
    assert Vote.objects.count() == 0


def test_it_switches_shading_modes_and_spins_the_turntable(page, showroom):
    open_arena(page)
    wait_drawn(page)
    clay = page.locator("#stage-a canvas").screenshot()
    page.get_by_role("button", name="Wireframe").click()
    page.wait_for_timeout(100)
    wire = page.locator("#stage-a canvas").screenshot()
    page.screenshot(path=artifact("arena-wireframe.png"))
    page.get_by_role("button", name="Normals").click()
    page.wait_for_timeout(100)
    normals = page.locator("#stage-a canvas").screenshot()
    page.screenshot(path=artifact("arena-normals.png"))
    assert len({clay, wire, normals}) == 3
    assert page.locator(".seg[aria-pressed='true']").inner_text() == "Normals"

    start = camera(page, "a")
    page.get_by_role("button", name="Turntable").click()
    page.wait_for_timeout(700)
    spun_a, spun_b = camera(page, "a"), camera(page, "b")
    assert angle(start["direction"], spun_a["direction"]) > 2
    assert angle(spun_a["direction"], spun_b["direction"]) < 1.5
    page.get_by_role("button", name="Turntable").click()


def test_it_shows_the_clay_renders_without_webgl_and_still_takes_votes(browser, live_server, showroom):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.add_init_script(NO_WEBGL_SCRIPT)
    page = context.new_page()
    try:
        open_arena(page)
        for side in ("a", "b"):
            images = page.locator(f"#stage-{side} .viewer-views img")
            assert images.count() == 4
            assert page.locator(f"#stage-{side} canvas").is_hidden()
            visible = page.locator(f"#stage-{side} .viewer-views img:visible")
            assert visible.count() == 1
            page.wait_for_function(
                "(side) => document.querySelector(`#stage-${side} .viewer-views img:not([hidden])`).naturalWidth > 0",
                arg=side,
            )
        assert page.evaluate("arenaState.showing") == {"a": "views", "b": "views"}
        first = page.locator("#stage-a .viewer-views img:visible").get_attribute("src")
        page.locator("#stage-a").get_by_role("button", name="Next view").click()
        assert page.locator("#stage-a .viewer-views img:visible").get_attribute("src") != first
        page.screenshot(path=artifact("arena-no-webgl.png"))
        page.get_by_role("button", name="Tie").click()
        assert set(revealed_names(page)) <= showroom.names
        vote = Vote.objects.get()
        assert vote.winner == "tie" and vote.interacted_a and not vote.interacted_b
    finally:
        context.close()


def test_it_falls_back_to_the_renders_when_a_model_fails_to_load(page, showroom):
    page.route("**/a.glb", lambda route: route.fulfill(status=500, body="broken"))
    open_arena(page)
    assert page.evaluate("arenaState.showing") == {"a": "views", "b": "model"}
    assert page.locator("#stage-a .viewer-message").inner_text().startswith("The 3D model could not be loaded")
    assert page.locator(".vote:enabled").count() == 4


def test_it_sends_nothing_that_names_a_generator_before_the_vote(page, showroom):
    responses: list = []
    page.on("response", lambda response: responses.append(response))
    open_arena(page)
    wait_drawn(page)
    drag(page, "a", 80, 0)
    settle(page)

    received: list[tuple[str, bytes]] = []
    for response in responses:
        try:
            body = response.body()
        except Exception:  # redirects and aborted requests have no body
            body = b""
        headers = json.dumps(response.all_headers()).encode()
        received.append((response.url, response.url.encode() + headers + body))
    received.append(("page", page.content().encode()))
    received.append(("state", page.evaluate("JSON.stringify({...arenaState, viewers: null})").encode()))
    received.append(("cookies", json.dumps(page.context.cookies()).encode()))
    received.append(("storage", page.evaluate("JSON.stringify(localStorage)").encode()))

    assert any(url.endswith(".glb") for url, _ in received), "no GLB was fetched"
    assert any("/api/battles/" in url for url, _ in received)
    for url, blob in received:
        for secret in SECRETS:
            assert secret.lower().encode() not in blob.lower(), f"{secret} leaked through {url}"
        for generator in showroom.generators:
            assert f'"generator": {generator.id}'.encode() not in blob

    page.keyboard.press("a")
    assert set(revealed_names(page)) <= showroom.names


def test_it_says_why_no_pair_came_and_retries(page, media_root):
    page.goto("/arena/")
    page.wait_for_function("() => window.arenaState && arenaState.phase === 'error'")
    assert "No pairs are ready yet" in page.locator("#arena-error").inner_text()
    assert page.locator(".vote:enabled").count() == 0
    page.screenshot(path=artifact("arena-no-pairs.png"))

    prompt = Prompt.objects.create(slug="stool", text="A three-legged stool")
    for name, kind in (("Zephyr-Secret-9", "chair"), ("Quill-Hidden-7", "blob")):
        add_asset(prompt, Generator.objects.create(name=name), shape(kind))
    page.get_by_role("button", name="Try again").click()
    wait_ready(page)
    assert page.locator("#arena-error").is_hidden()


def test_it_shows_the_reference_image_of_an_image_prompt(page, media_root):
    prompt = Prompt.objects.create(slug="vase", task="image-to-3d", text="", category="decor")
    prompt.reference_image.save("vase.png", ContentFile(png_bytes()))
    for name, kind in (("Zephyr-Secret-9", "lamp"), ("Quill-Hidden-7", "blob")):
        add_asset(prompt, Generator.objects.create(name=name), shape(kind))
    open_arena(page)
    image = page.locator("#prompt-image")
    assert image.is_visible()
    assert image.get_attribute("src") == prompt.reference_image.url
    assert page.locator("#prompt-task").inner_text().lower() == "image to 3d"
    assert "reference image" in page.locator("#prompt-heading").inner_text()
    box = image.bounding_box()
    assert box["width"] >= 120 and box["height"] >= 120
    page.wait_for_function("() => document.getElementById('prompt-image').naturalWidth > 0", timeout=5_000)
    page.screenshot(path=artifact("arena-image-prompt.png"))


def test_it_draws_edge_only_models(page, media_root):
    prompt = Prompt.objects.create(slug="spring", text="A coil spring")
    for name, kind in (("Zephyr-Secret-9", "spiral"), ("Quill-Hidden-7", "spiral")):
        add_asset(prompt, Generator.objects.create(name=name), shape(kind))
    open_arena(page)
    wait_drawn(page)
    for side in ("a", "b"):
        drawn = coverage(page, side)
        assert drawn is not None and drawn > 0.002, f"the lines of {side} are not drawn: {drawn}"
        assert "edges" in page.locator(f"#stats-{side}").inner_text()
    page.screenshot(path=artifact("arena-edges.png"))


def test_it_stacks_the_viewers_on_a_phone(browser, live_server, showroom):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
    )
    page = context.new_page()
    try:
        open_arena(page)
        wait_drawn(page)
        a, b = page.locator("#stage-a").bounding_box(), page.locator("#stage-b").bounding_box()
        assert b["y"] >= a["y"] + a["height"], "B is not below A"
        assert abs(a["width"] / a["height"] - 4 / 3) < 0.02
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=artifact("arena-phone.png"), full_page=True)
        page.get_by_role("button", name="B is better").tap()
        revealed_names(page)
    finally:
        context.close()


def swipe(cdp, x: float, y: float, dx: float, dy: float, steps: int = 12) -> None:  # type: ignore[no-untyped-def]
    """One finger, as a phone's touch screen reports it."""
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, steps + 1):
        point = {"x": x + dx * step / steps, "y": y + dy * step / steps}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        time.sleep(0.016)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_finger_on_a_viewer_scrolls_the_page_up_and_down_and_turns_the_model_sideways(browser, live_server, showroom):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, base_url=live_server.url
    )
    page = context.new_page()
    try:
        open_arena(page)
        wait_drawn(page)
        cdp = context.new_cdp_session(page)
        box = page.locator("#stage-a").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        before = camera(page, "a")
        swipe(cdp, x, y, 0, -250)
        page.wait_for_timeout(600)
        assert page.evaluate("window.scrollY") > 50, "an upward swipe on the viewer did not scroll the page"
        assert angle(before["direction"], camera(page, "a")["direction"]) < 5, "the vertical swipe turned the model"

        page.evaluate("window.scrollTo(0, 0)")
        box = page.locator("#stage-a").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        swipe(cdp, x - 100, y, 200, 0)
        settle(page)
        assert angle(before["direction"], camera(page, "a")["direction"]) > 20, "a sideways swipe did not turn it"
        assert angle(camera(page, "a")["direction"], camera(page, "b")["direction"]) < 2, "B did not follow"
    finally:
        context.close()


def test_it_reserves_the_stages_space_while_loading(page, showroom):
    page.route("**/*.glb", lambda route: None)  # never answered
    page.goto("/arena/")
    page.wait_for_function("() => window.arenaState && arenaState.battle")
    box = page.locator("#stage-a").bounding_box()
    assert box["height"] > 300 and abs(box["width"] / box["height"] - 4 / 3) < 0.02
    page.screenshot(path=artifact("arena-loading.png"))
    page.unroute("**/*.glb")


def test_it_explains_a_refused_vote_and_lets_the_pair_be_skipped(page, showroom, settings):
    settings.ARENA_BATTLE_TOKEN_MAX_AGE = -1  # every pair has expired by the time it is voted on
    open_arena(page)
    page.get_by_role("button", name="A is better").click()
    status = page.locator("#status")
    page.wait_for_function("() => document.getElementById('status').dataset.tone === 'error'")
    assert "expired" in status.inner_text()
    assert page.evaluate("arenaState.phase") == "ready"
    assert page.locator(".reveal:visible").count() == 0
    page.screenshot(path=artifact("arena-vote-refused.png"))
    page.get_by_role("button", name="Skip this pair").click()
    wait_ready(page, pairs=2)
    assert Vote.objects.count() == 0


def test_it_opens_the_vote_only_after_the_minimum_time(page, showroom, settings):
    settings.ARENA_MIN_VOTE_SECONDS = 3.5
    page.goto("/arena/")
    page.wait_for_function("() => window.arenaState && arenaState.loaded.a && arenaState.loaded.b")
    assert page.locator(".vote:enabled").count() == 0
    started = time.monotonic()
    wait_ready(page)
    page.keyboard.press("a")
    revealed_names(page)
    assert time.monotonic() - started > 0.5
    assert Vote.objects.get().flagged is False
    assert "not counted" not in page.locator("#status").inner_text()


def test_it_says_when_a_vote_was_too_fast_to_count(page, showroom, settings):
    open_arena(page)
    settings.ARENA_MIN_VOTE_SECONDS = 60  # raised after the page read it
    page.keyboard.press("a")
    revealed_names(page)
    assert "not counted" in page.locator("#status").inner_text()
    assert page.locator("#status").get_attribute("data-tone") == "warn"


# -- compressed GLBs: meshopt (the default) and Draco ---------------------------


def add_compressed_asset(prompt: Prompt, generator: Generator, plain: bytes, work) -> Asset:  # type: ignore[no-untyped-def]
    """An asset whose browser GLB is ``plain`` compressed as the render pool does it."""
    from renderer.runtime.glb import meshopt_compress_file

    path = work / f"{generator.name}.glb"
    path.write_bytes(plain)
    meshopt_compress_file(path)
    asset = add_asset(prompt, generator, plain)
    asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(path.read_bytes()))
    return asset


@pytest.fixture
def meshopt_room(media_root, tmp_path) -> Showroom:  # type: ignore[no-untyped-def]
    from renderer.runtime.glb import GLTFPACK_CLI

    if not Path(os.environ.get("GLTFPACK") or GLTFPACK_CLI).is_file():
        missing_service(f"needs gltfpack from npm at {GLTFPACK_CLI} (npm ci)")
    room = Showroom()
    prompt = Prompt.objects.create(slug="chair", text="A chair made of simple parts", category="furniture")
    room.prompts.append(prompt)
    for name, kind in zip(SECRETS[:2], ("chair", "lamp"), strict=True):
        generator = Generator.objects.create(name=name, provider=SECRETS[3])
        room.generators.append(generator)
        room.assets.append(add_compressed_asset(prompt, generator, shape(kind), tmp_path))
    return room


def test_it_draws_meshopt_compressed_models_that_name_nobody(page, meshopt_room):
    glbs: list = []
    page.on("response", lambda response: glbs.append(response) if response.url.endswith(".glb") else None)
    open_arena(page)
    wait_drawn(page)
    assert page.evaluate("arenaState.showing") == {"a": "model", "b": "model"}
    for side in ("a", "b"):
        drawn = coverage(page, side)
        assert drawn is not None and 0.03 < drawn < 0.95, f"model {side} is not drawn: {drawn}"
        assert page.evaluate(f"performance.getEntriesByName('Model {side.upper()}: drawn').length") == 1
    page.screenshot(path=artifact("arena-meshopt.png"))
    assert len(glbs) == 2
    for response in glbs:
        document, _ = read_glb(response.body())
        assert "EXT_meshopt_compression" in document["extensionsRequired"]
        assert document["asset"] == {"version": "2.0", "generator": GENERATOR}
        assert [node["name"] for node in document["nodes"]] == [f"node_{i}" for i in range(len(document["nodes"]))]
        for secret in SECRETS:
            assert secret.lower().encode() not in response.body().lower(), f"{secret} leaked through {response.url}"


# -- real renders: compressed GLBs from the Blender backend ---------------------

BLENDER_SCRIPTS = {
    "Zephyr-Secret-9": """
        import bpy
        bpy.ops.mesh.primitive_monkey_add(size=1.0)
        monkey = bpy.context.active_object
        monkey.name = "Zephyr-Secret-9 monkey"
        modifier = monkey.modifiers.new("smooth", "SUBSURF")
        modifier.levels = 1
        bpy.ops.object.shade_smooth()
    """,
    "Quill-Hidden-7": """
        import bpy
        bpy.ops.mesh.primitive_cube_add(size=1.0, location=(0, 0, 0.5))
        bpy.context.active_object.scale = (1.0, 1.0, 0.1)
        bpy.ops.mesh.primitive_cylinder_add(radius=0.08, depth=1.0, location=(0.4, 0.4, 0.0))
        bpy.ops.mesh.primitive_cube_add(size=1.0, location=(0, -0.45, 1.0))
        bpy.context.active_object.scale = (1.0, 0.1, 1.0)
    """,
    "Nimbus-Covert-3": """
        import math
        import bpy
        points = [(math.cos(t * 0.3) * (1 + t * 0.02), math.sin(t * 0.3) * (1 + t * 0.02), t * 0.05) for t in range(80)]
        mesh = bpy.data.meshes.new("Nimbus-Covert-3")
        mesh.from_pydata(points, [(i, i + 1) for i in range(len(points) - 1)], [])
        spiral = bpy.data.objects.new("Nimbus-Covert-3", mesh)
        bpy.context.collection.objects.link(spiral)
    """,
}


@pytest.fixture
def rendered(media_root, settings) -> Showroom:  # type: ignore[no-untyped-def]
    """One prompt answered by three Blender scripts, rendered by the real backend."""
    if not os.path.exists("/usr/bin/bwrap"):
        missing_service("needs bubblewrap for the render sandbox")
    from renderer.services import asset_render

    settings.RENDER_VIEWS = 2
    settings.RENDER_SIZE = 128
    room = Showroom()
    prompt = Prompt.objects.create(slug="sculpture", text="A small sculpture", category="art")
    room.prompts.append(prompt)
    for name, code in BLENDER_SCRIPTS.items():
        generator = Generator.objects.create(name=name, provider=SECRETS[3])
        room.generators.append(generator)
        asset = Asset.objects.create(prompt=prompt, generator=generator, source_code=textwrap.dedent(code))
        asset = asset_render(asset_id=asset.id)
        assert asset is not None and asset.status == Status.OK, asset and (asset.error or asset.log)
        room.assets.append(asset)
    return room


def test_it_draws_meshopt_compressed_renders_and_keeps_them_anonymous(page, rendered):
    compressed = []
    for asset in rendered.assets:
        with asset.glb.open("rb") as handle:
            compressed.append(b"EXT_meshopt_compression" in handle.read())
    assert compressed[:2] == [True, True], "the solid models should come meshopt-compressed"
    responses: list = []
    page.on("response", lambda response: responses.append(response))
    for pair in range(1, 4):
        if pair > 1:
            page.keyboard.press("n")
        else:
            page.goto("/arena/")
        wait_ready(page, pairs=pair)
        wait_drawn(page)
        for side in ("a", "b"):
            drawn = coverage(page, side)
            assert drawn is not None and drawn > 0.002, f"pair {pair}, {side} not drawn: {drawn}"
        page.screenshot(path=artifact(f"arena-rendered-{pair}.png"))
        glbs = [r for r in responses if r.url.endswith(".glb")]
        for response in glbs + [r for r in responses if "/api/battles/" in r.url]:
            body = response.body()
            for secret in SECRETS:
                assert secret.lower().encode() not in body.lower(), f"{secret} leaked through {response.url}"
        responses.clear()
        page.keyboard.press("t")
        assert set(revealed_names(page)) <= rendered.names


def test_an_image_prompt_shows_every_view_and_the_reveal_names_setting_and_attempts(page, media_root):  # type: ignore[no-untyped-def]
    from django.core.files.storage import default_storage

    from arena.models import GenerationAttempt, Setting, Task

    prompt = Prompt.objects.create(slug="chair-seed0-image", task=Task.IMAGE, text="A chair.", category="ArmChair")
    prompt.reference_images = [
        default_storage.save(f"prompts/{prompt.public_id}/Image_{v:03d}.png", ContentFile(png))
        for v, png in zip((5, 15, 25, 35), clay_views(4), strict=True)
    ]
    prompt.reference_image.name = prompt.reference_images[0]
    prompt.save()
    for name, glb in (("Orion-Veiled-5", shape("chair")), ("Lyra-Masked-2", shape("blob"))):
        generator = Generator.objects.create(name=name)
        setting = Setting.objects.create(
            generator=generator, name=f"{name}_image_to_3d_4", task=Task.IMAGE, label="image-to-3D · 4 views"
        )
        asset = add_asset(prompt, generator, glb)
        Asset.objects.filter(id=asset.id).update(setting=setting)
        if name.startswith("Orion"):
            GenerationAttempt.objects.create(asset=asset, number=0, status="ERR_EXEC", error="NameError: x")
            GenerationAttempt.objects.create(asset=asset, number=1, status="OK")
    open_arena(page)
    assert page.locator("#prompt-image").is_visible()
    assert page.locator("#prompt-views img").count() == 3  # the first view is the large one
    html = page.content()
    assert "Orion" not in html and "Lyra" not in html and "4 views" not in html
    page.locator(".vote-tie").click()
    page.wait_for_function("() => window.arenaState.phase === 'voted'")
    assert page.locator(".reveal-setting").all_inner_texts() == ["image-to-3D · 4 views"] * 2
    assert page.locator(".reveal-attempts li").all_inner_texts() == ["attempt 0: ERR_EXEC", "attempt 1: OK"]


def test_it_draws_draco_compressed_renders_when_the_pool_makes_them(page, media_root, tmp_path):
    if not os.path.exists("/usr/bin/bwrap"):
        missing_service("needs bubblewrap for the render sandbox")
    from renderer.runtime.config import RenderConfig
    from renderer.runtime.pool import RenderPool

    prompt = Prompt.objects.create(slug="sculpture", text="A small sculpture", category="art")
    with RenderPool(RenderConfig(workers=1, views=0, compress="draco")) as pool:
        for name in SECRETS[:2]:
            script = tmp_path / f"{name}.py"
            script.write_text(textwrap.dedent(BLENDER_SCRIPTS[name]), encoding="utf-8")
            result = pool.run(script, tmp_path / name)
            assert result["status"] == "ok", result["error"]
            glb = (tmp_path / name / "model.glb").read_bytes()
            assert b"KHR_draco_mesh_compression" in glb
            generator = Generator.objects.create(name=name, provider=SECRETS[3])
            add_asset(prompt, generator, (tmp_path / name / "mesh.glb").read_bytes()).glb.save(
                "model.glb", ContentFile(glb)
            )
    open_arena(page)
    wait_drawn(page)
    assert page.evaluate("arenaState.showing") == {"a": "model", "b": "model"}
    for side in ("a", "b"):
        drawn = coverage(page, side)
        assert drawn is not None and drawn > 0.002, f"{side} not drawn: {drawn}"
