from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from arena.services import battle_create, battle_token, vote_record
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = [(b"origin", b"http://127.0.0.1")]


@pytest.mark.asyncio
async def test_it_sends_the_live_vote_count_on_connect_and_after_each_vote(cast, annotator, settings):
    settings.ARENA_MIN_VOTE_SECONDS = 0
    communicator = WebsocketCommunicator(application, "/ws/arena/", headers=ORIGIN)
    assert (await communicator.connect())[0]
    assert await communicator.receive_json_from(timeout=5) == {"votes_today": 0}

    def vote() -> None:
        battle = battle_create(annotator=annotator)
        vote_record(token=battle_token(battle=battle), annotator=annotator, winner="a")

    await sync_to_async(vote)()
    assert await communicator.receive_json_from(timeout=5) == {"votes_today": 1}
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_it_refuses_a_websocket_from_a_foreign_origin():
    communicator = WebsocketCommunicator(application, "/ws/arena/", headers=[(b"origin", b"http://evil.example")])
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()
