from __future__ import annotations

import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from arena import background
from config.asgi import application
from leaderboard import services, tasks
from tests.leaderboard.conftest import make_votes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
async def test_it_pushes_new_snapshots_to_open_pages():
    await sync_to_async(make_votes)([("m1", "m2", "a")] * 3)
    communicator = WebsocketCommunicator(application, "/ws/leaderboard/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected
    fresh = await sync_to_async(services.snapshots_refresh)()
    message = await communicator.receive_json_from(timeout=5)
    assert message["snapshots"] == [s.public_id for s in fresh] and fresh
    await communicator.disconnect()


def test_a_burst_of_votes_triggers_one_recompute(settings, monkeypatch):
    settings.LEADERBOARD_DEBOUNCE_SECONDS = 0.3
    calls = []
    monkeypatch.setattr(
        services,
        "snapshots_refresh",
        lambda: calls.append(time.monotonic()) or background.debounce_clear(services.PENDING_KEY),
    )
    for _ in range(10):
        tasks.refresh_request()
    time.sleep(1.0)
    assert len(calls) == 1
    tasks.refresh_request()
    time.sleep(0.8)
    assert len(calls) == 2
