"""The Redis channel layer carries a broadcast from one process's layer to another's."""

from __future__ import annotations

import pytest
from channels_redis.core import RedisChannelLayer

pytestmark = pytest.mark.redis


@pytest.mark.asyncio
async def test_a_group_message_reaches_a_listener_on_another_layer(redis_url):
    sender, listener = RedisChannelLayer(hosts=[redis_url]), RedisChannelLayer(hosts=[redis_url])
    channel = await listener.new_channel()
    await listener.group_add("arena-test-group", channel)
    await sender.group_send("arena-test-group", {"type": "arena.votes", "votes_today": 7})
    message = await listener.receive(channel)
    assert message == {"type": "arena.votes", "votes_today": 7}
    await listener.group_discard("arena-test-group", channel)
    await sender.flush()
