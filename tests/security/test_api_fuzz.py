"""Schema-driven fuzzing of the JSON API: no generated request may cause a server error.

Schemathesis reads /api/openapi.json from the real WSGI application, in process,
and sends each operation generated requests against a database with a small
arena in it (rendered assets, votes, snapshots, a correlation report). Every
response must not be a 5xx and must match the schema: status code, content type
and body.

About half the examples come from a "browser" that loaded /arena/ first, so
they carry its session and CSRF token and POSTs reach the views; the others get
Django's CSRF refusal. About half of the browser's votes carry a real token for
a battle just served to that session, and half the snapshot reads a stored
snapshot's id, so the paths past the lookups run too.

The database is a real one, committed to (`transaction=True`): the WSGI handler
closes the connection after each request, as in production, which a test
wrapped in a transaction would not survive.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from arena.models import Asset, Generator, Prompt, Setting, Task
from leaderboard import correlation_services
from leaderboard.models import Snapshot
from leaderboard.services import snapshot_compute
from tests.arena.conftest import make_asset
from tests.leaderboard.conftest import make_votes, random_outcomes

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation: the default keeps the scan to seconds; API_FUZZ_EXAMPLES=500 searches harder.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "30"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)

APP = WSGIHandler()
# Loaded through the real view at collection; the data each test needs is made per test.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP)


@pytest.fixture(autouse=True)
def _needs_bubblewrap() -> None:
    """Overrides the package's autouse check: this scan runs no sandbox."""


@pytest.fixture
def arena_data(media_root, settings) -> None:  # type: ignore[no-untyped-def]
    """Two rendered prompts with three generators, 120 votes, snapshots and a correlation report."""
    settings.LEADERBOARD_BOOTSTRAP = 20
    settings.ARENA_MIN_VOTE_SECONDS = 0
    with transaction.atomic():  # one commit, not one per row
        for slug, task in (("chair", Task.TEXT), ("lamp", Task.IMAGE)):
            prompt = Prompt.objects.create(slug=slug, task=task, text=f"A {slug}", category="manufactured")
            for name in ("Zephyr", "Quill", "Nimbus"):
                generator, _ = Generator.objects.get_or_create(name=name)
                make_asset(prompt, generator)
        make_votes(random_outcomes(120))
        for generator in Generator.objects.all():  # each model's text run, for the variant boards
            run = Setting.objects.create(generator=generator, name=generator.name, task=Task.TEXT, label="text-to-3D",
                                         values={"views": None, "multi_turn": False})  # fmt: skip
            Asset.objects.filter(generator=generator, prompt__task=Task.TEXT).update(setting=run)
    for task in ("", Task.TEXT):
        assert snapshot_compute(task=task) is not None
    snapshot_compute(task=Task.TEXT, category="organic")
    assert correlation_services.report_compute(rounds=20) is not None


@dataclass
class Browser:
    """A client that loaded the vote page: it has a session and a CSRF cookie."""

    client: Client
    csrf: str

    @classmethod
    def open(cls) -> Browser:
        client = Client(APP)
        assert client.get("/arena/").status_code == 200
        cookie = client.get_cookie("csrftoken")
        assert cookie is not None
        return cls(client, cookie.value)

    def call_kwargs(self) -> dict[str, Any]:
        return {"session": self.client, "headers": {"X-CSRFToken": self.csrf}, "cookies": {"csrftoken": self.csrf}}

    def battle_token(self) -> str:
        response = self.client.post("/arena/api/battles/", json={}, headers={"X-CSRFToken": self.csrf})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json["token"]


def use_real_ids(case: schemathesis.Case, data: st.DataObject, browser: Browser | None) -> None:
    """Sometimes swap a generated id for one that exists."""
    path = case.operation.path
    if path == "/arena/api/vote/" and browser and isinstance(case.body, dict):
        if data.draw(st.booleans(), label="a battle just served to this session"):
            case.body["token"] = browser.battle_token()
    if path == "/leaderboard/api/variants/" and data.draw(st.booleans(), label="a model that exists"):
        case.query = {**(case.query or {}), "model": data.draw(st.sampled_from(["alpha", "delta", "Zephyr"]))}
    if path == "/leaderboard/api/snapshots/{public_id}/" and data.draw(st.booleans(), label="a stored snapshot"):
        ids = list(Snapshot.objects.values_list("public_id", flat=True))
        case.path_parameters["public_id"] = data.draw(st.sampled_from(ids))


def scan(case: schemathesis.Case, data: st.DataObject) -> None:
    browser = Browser.open() if data.draw(st.booleans(), label="with session and CSRF token") else None
    use_real_ids(case, data, browser)
    case.call_and_validate(checks=CHECKS, **(browser.call_kwargs() if browser else {}))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("arena_data")
@schema.parametrize()
@schema.given(data=st.data())
@FUZZ_SETTINGS
def test_it_answers_generated_requests_without_a_server_error(case: schemathesis.Case, data: st.DataObject) -> None:
    scan(case, data)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("arena_data")
@schema.parametrize()
@schema.given(data=st.data())
@FUZZ_SETTINGS
def test_it_answers_generated_requests_without_a_server_error_on_postgresql(
    case: schemathesis.Case, data: st.DataObject
) -> None:
    scan(case, data)
