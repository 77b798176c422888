"""A study's dashboard, live: a staff-only socket per study told of votes and participants, and the figures as JSON."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from arena.consumers import StudyConsumer
from arena.models import ParticipantStatus, Study
from config.asgi import application
from tests.arena.test_study_flow import answer, arrive

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1")
CHANGED = {"changed": True}


@pytest.fixture
def study(cast) -> Study:
    """Both prompts, every model, a quota of 2, no gate, no minimum time."""
    study = Study.objects.create(slug="shapes", title="Shapes", quota=2, min_vote_seconds=0,
                                 completion_code="C0MPL3T3")  # fmt: skip
    study.prompts.set(cast.prompts)
    return study


def signed_in(*, staff: bool) -> list[tuple[bytes, bytes]]:
    """The headers of a browser signed in as a staff member or as an ordinary user."""
    user = User.objects.create_user(f"user-{staff}", password="x", is_staff=staff)
    client = Client()
    client.force_login(user)
    return [ORIGIN, (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]


async def connect(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    return communicator, connected


@pytest.mark.asyncio
async def test_the_socket_refuses_anonymous_and_non_staff_visitors_and_unknown_studies(study):
    for headers in ([ORIGIN], await sync_to_async(signed_in)(staff=False)):
        communicator, connected = await connect("/ws/study/shapes/", headers)
        assert not connected
        await communicator.disconnect()
    staff = await sync_to_async(signed_in)(staff=True)
    communicator, connected = await connect("/ws/study/no-such-study/", staff)
    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_staff_are_told_of_a_new_participant_and_of_a_study_vote(study):
    communicator, connected = await connect("/ws/study/shapes/", await sync_to_async(signed_in)(staff=True))
    assert connected
    assert await communicator.receive_json_from(timeout=5) == CHANGED  # on connect: fetch the figures
    client = Client()
    await sync_to_async(arrive)(client)  # a participant arrives and consents
    assert await communicator.receive_json_from(timeout=5) == CHANGED
    await sync_to_async(answer)(client)
    assert await communicator.receive_json_from(timeout=5) == CHANGED
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_burst_of_changes_makes_one_message_now_and_one_after_the_interval(study, monkeypatch):
    monkeypatch.setattr(StudyConsumer, "interval", 0.2)
    communicator, connected = await connect("/ws/study/shapes/", await sync_to_async(signed_in)(staff=True))
    assert connected
    await communicator.receive_json_from(timeout=5)
    layer = get_channel_layer()
    for _ in range(5):
        await layer.group_send(f"study-{study.id}", {"type": "study.changed"})
    assert await communicator.receive_json_from(timeout=5) == CHANGED
    assert await communicator.receive_json_from(timeout=5) == CHANGED  # the four others, in one
    assert await communicator.receive_nothing(timeout=0.6)
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_vote_of_another_study_or_of_the_public_arena_is_not_told(study, cast):
    other = await sync_to_async(Study.objects.create)(slug="other", title="Other", quota=2, completion_code="X")
    communicator, connected = await connect("/ws/study/other/", await sync_to_async(signed_in)(staff=True))
    assert connected and other.id != study.id
    await communicator.receive_json_from(timeout=5)
    client = Client()
    await sync_to_async(arrive)(client)
    await sync_to_async(answer)(client)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


def test_the_figures_json_is_for_staff_and_counts_what_the_page_shows(study, admin_client):
    client = Client()
    participant = arrive(client)
    answer(client)
    assert client.get("/study/shapes/api/dashboard/").status_code == 302  # to the login
    assert Client().get("/study/shapes/api/dashboard/").status_code == 302
    assert admin_client.get("/study/nothing/api/dashboard/").status_code == 404
    figures = admin_client.get("/study/shapes/api/dashboard/").json()
    assert figures["study"] == "shapes"
    assert (figures["started"], figures["consented"], figures["completed"], figures["votes"]) == (1, 1, 0, 1)
    assert sum(row["votes"] for row in figures["per_prompt"]) == 1 and len(figures["per_pair"]) == 1
    assert figures["median_seconds"] is not None and figures["flagged_participants"] == {"count": 0, "rows": []}
    answer(client)
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.COMPLETED
    assert admin_client.get("/study/shapes/api/dashboard/").json()["completed"] == 1
    page = admin_client.get("/study/shapes/dashboard/").content.decode()
    assert 'data-live-path="/ws/study/shapes/"' in page and 'data-figure="completed">1<' in page
