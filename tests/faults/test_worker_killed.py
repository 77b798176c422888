"""A Celery render worker killed with SIGKILL mid-render: another worker finishes the job."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from arena.models import Asset, Generator, Prompt, Status
from config.celery import app as celery_app
from renderer.tasks import render_asset
from tests.faults.processes import server_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

QUEUE = "arena-fault-test"
SLOW_CUBE = "import time, bpy\ntime.sleep(6)\nbpy.ops.mesh.primitive_cube_add(size=2)\n"


def worker_env(redis_url: str, media: Path) -> dict[str, str]:
    return server_env(media=media, redis_url=redis_url, CELERY_VISIBILITY_TIMEOUT="3", RENDER_WORKERS="1",
                      RENDER_VIEWS="0", RENDER_TIMEOUT="60")  # fmt: skip


def wait_for(asset: Asset, statuses: set[str], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        asset.refresh_from_db()
        if asset.status in statuses:
            return asset.status
        time.sleep(0.3)
    return asset.status


def test_a_killed_worker_hands_its_render_to_another(redis_url, processes, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.conf.update(broker_url=redis_url, broker_transport_options={"visibility_timeout": 3})
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)
    prompt = Prompt.objects.create(slug="slow", text="A slow cube")
    asset = Asset.objects.create(prompt=prompt, generator=Generator.objects.create(name="g"), source_code=SLOW_CUBE)
    env = worker_env(redis_url, settings.MEDIA_ROOT)
    first = processes.worker("first", env, queue=QUEUE)
    render_asset.apply_async((asset.id,), queue=QUEUE)
    assert wait_for(asset, {Status.RUNNING}, 60) == Status.RUNNING, "the first worker never claimed the job"
    time.sleep(1.0)  # mid-script
    processes.kill(first, signal.SIGKILL)
    asset.refresh_from_db()
    assert asset.status == Status.RUNNING  # the killed worker left it unfinished
    processes.worker("second", env, queue=QUEUE)
    assert wait_for(asset, {Status.OK}, 120) == Status.OK
    assert asset.attempts == 2 and asset.glb
