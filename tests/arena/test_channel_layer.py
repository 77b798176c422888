"""The Redis channel layer carries a broadcast from one process's layer to another's."""

from __future__ import annotations

import asyncio

import pytest
from channels_redis.core import RedisChannelLayer

from config.settings import redis_channel_layer

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


@pytest.mark.asyncio
async def test_a_listener_idle_for_longer_than_a_blocking_pop_still_gets_its_message(redis_url):
    """The layer waits for messages with 5 s blocking pops; its reads must not time out at the same 5 s."""
    config = redis_channel_layer(redis_url)["CONFIG"]
    assert config["hosts"][0]["socket_timeout"] > RedisChannelLayer.brpop_timeout
    sender, listener = RedisChannelLayer(**config), RedisChannelLayer(**config)
    channel = await listener.new_channel()
    await listener.group_add("arena-idle-group", channel)

    async def send_later() -> None:
        await asyncio.sleep(RedisChannelLayer.brpop_timeout + 1.5)  # the listener's first pop comes back empty
        await sender.group_send("arena-idle-group", {"type": "arena.votes", "votes_today": 3})

    later = asyncio.create_task(send_later())
    message = await asyncio.wait_for(listener.receive(channel), timeout=30)
    await later
    assert message == {"type": "arena.votes", "votes_today": 3}
    await listener.group_discard("arena-idle-group", channel)
    await sender.flush()


@pytest.mark.asyncio
async def test_messages_handed_to_the_sender_thread_arrive_in_order(redis_url, settings):
    """A vote's messages go through this process's sender thread (`group_send(wait=False)`), in order."""
    from channels.layers import channel_layers

    from arena.broadcast import group_send

    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(redis_url)}
    channel_layers.backends.clear()  # the layer of the settings above
    listener = RedisChannelLayer(hosts=[redis_url])
    channel = await listener.new_channel()
    await listener.group_add("arena-sender-test", channel)
    for n in range(20):
        group_send("arena-sender-test", {"type": "arena.votes", "votes_today": n}, wait=False)
    received = [(await asyncio.wait_for(listener.receive(channel), 10))["votes_today"] for _ in range(20)]
    assert received == list(range(20))
    await listener.group_discard("arena-sender-test", channel)
    await listener.flush()
    channel_layers.backends.clear()
