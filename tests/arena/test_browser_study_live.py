"""A study's dashboard in a real browser follows the study live: a participant completing elsewhere shows at once.

Websockets need an ASGI server, so the pages are served by daphne (the production server) on a thread of
the test process, against the test database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from arena.models import Participant, ParticipantStatus, Study
from tests.arena.browser_helpers import artifact
from tests.arena.study_browser import LINK, shapes_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def asgi_server() -> Iterator[str]:
    """The project's ASGI application under daphne on a free port; its address."""
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from twisted.internet import reactor

    from config.asgi import application

    ready = threading.Event()
    server = Server(
        application=application,
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=0),
        signal_handlers=False,
        ready_callable=ready.set,
        verbosity=0,
    )
    thread = threading.Thread(target=server.run, name="daphne", daemon=True)
    thread.start()
    assert ready.wait(30), "daphne did not start"
    yield f"http://127.0.0.1:{server.listening_addresses[0][1]}"
    reactor.callFromThread(reactor.stop)  # type: ignore[attr-defined]
    thread.join(30)


@pytest.fixture
def study(media_root) -> Study:  # type: ignore[no-untyped-def]
    return shapes_study()


def staff_cookie(server: str) -> dict[str, Any]:
    user = User.objects.create_user("staff", password="x", is_staff=True)
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server}


def take_part(request: Any) -> None:
    """A Prolific participant, through the study's HTTP API: arrives, consents, answers the quota of two."""
    assert request.get(LINK).ok
    csrf = {"X-CSRFToken": next(c["value"] for c in request.storage_state()["cookies"] if c["name"] == "csrftoken")}
    assert request.post("/study/shapes/consent/", form={"accept": "yes"}, headers=csrf).ok
    for _ in range(2):
        battle = request.post("/study/shapes/api/battles/", data={}, headers=csrf).json()
        vote = request.post("/study/shapes/api/vote/", data={"token": battle["token"], "winner": "a"}, headers=csrf)
        assert vote.ok, vote.text()


def test_the_dashboard_counts_a_participant_who_completes_in_another_browser(browser, asgi_server, study):
    staff = browser.new_context(base_url=asgi_server)
    staff.add_cookies([staff_cookie(asgi_server)])
    page = staff.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/study/shapes/dashboard/")
    page.wait_for_selector("#study-live[data-state='live']")
    completed = page.locator("[data-figure='completed']")
    assert completed.inner_text() == "0"

    participant = browser.new_context(base_url=asgi_server)
    take_part(participant.request)
    assert Participant.objects.get().status == ParticipantStatus.COMPLETED

    page.wait_for_function("() => document.querySelector(\"[data-figure='completed']\").textContent === '1'")
    assert page.locator("[data-figure='votes']").inner_text() == "2"
    assert page.locator("[data-figure='started']").inner_text() == "1"
    assert "No votes yet" not in page.locator("#per-prompt").inner_text()
    page.screenshot(path=artifact("study-dashboard-live.png"))
    participant.close()
    staff.close()
    assert not errors, f"the page threw: {errors}"
