"""The scaled-out path: render jobs through Celery on a real Redis broker."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from arena.models import Asset, Generator, Prompt, Status
from config.celery import app as celery_app
from renderer import workers
from renderer.tasks import asset_render_enqueue, render_asset

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CUBE = "import bpy\nbpy.ops.mesh.primitive_cube_add(size=2)\n"


@pytest.fixture
def broker(settings, redis_url, media_root):  # type: ignore[no-untyped-def]
    settings.CELERY_BROKER_URL = redis_url
    settings.RENDER_WORKERS, settings.RENDER_VIEWS, settings.RENDER_SIZE = 1, 1, 64
    celery_app.conf.update(broker_url=redis_url, task_default_queue="arena-test", result_backend=None)
    workers._pool = None
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("arena-test")
    yield redis_url
    if workers._pool is not None:
        workers._pool.close()
        workers._pool = None


def make_asset() -> Asset:
    prompt = Prompt.objects.create(slug="cube", text="A cube")
    return Asset.objects.create(prompt=prompt, generator=Generator.objects.create(name="g"), source_code=CUBE)


@pytest.mark.django_db(transaction=False)
def test_it_queues_renders_on_celery_when_a_broker_is_configured(broker, django_capture_on_commit_callbacks):
    asset = make_asset()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asset_render_enqueue(asset_ids=[asset.id])
    assert len(callbacks) == 1  # sent only once the transaction commits


def test_a_celery_worker_renders_a_queued_asset(broker):
    asset = make_asset()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=["arena-test"]):
        render_asset.apply_async((asset.id,), queue="arena-test")
        for _ in range(120):
            asset.refresh_from_db()
            if asset.status not in (Status.PENDING, Status.RUNNING):
                break
            time.sleep(0.5)
    assert asset.status == Status.OK and asset.glb


def test_the_task_is_idempotent(broker):
    asset = make_asset()
    assert render_asset(asset.id) == Status.OK
    assert render_asset(asset.id) is None  # already rendered: nothing done twice
