"""A Celery render worker killed with SIGKILL mid-render: another worker finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from arena.models import Asset, Generator, Prompt, Status
from config.celery import app as celery_app
from renderer.tasks import render_asset
from tests.conftest import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

QUEUE = "arena-fault-test"
SLOW_CUBE = "import time, bpy\ntime.sleep(6)\nbpy.ops.mesh.primitive_cube_add(size=2)\n"


def start_worker(redis_url: str, media: Path, name: str) -> subprocess.Popen[bytes]:
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://{}@{}:{}/{}".format(
            db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["NAME"]
        ),
        "REDIS_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "MEDIA_ROOT": str(media),
        "RENDER_WORKERS": "1",
        "RENDER_VIEWS": "0",
        "RENDER_TIMEOUT": "60",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", QUEUE, "-n",
               f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]  # fmt: skip
    log = (media.parent / f"celery-{name}.log").open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)


def wait_for(asset: Asset, statuses: set[str], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        asset.refresh_from_db()
        if asset.status in statuses:
            return asset.status
        time.sleep(0.3)
    return asset.status


def test_a_killed_worker_hands_its_render_to_another(redis_url, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.conf.update(broker_url=redis_url, broker_transport_options={"visibility_timeout": 3})
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)
    prompt = Prompt.objects.create(slug="slow", text="A slow cube")
    asset = Asset.objects.create(prompt=prompt, generator=Generator.objects.create(name="g"), source_code=SLOW_CUBE)
    first = start_worker(redis_url, settings.MEDIA_ROOT, "first")
    second = None
    try:
        render_asset.apply_async((asset.id,), queue=QUEUE)
        assert wait_for(asset, {Status.RUNNING}, 60) == Status.RUNNING, "the first worker never claimed the job"
        time.sleep(1.0)  # mid-script
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        asset.refresh_from_db()
        assert asset.status == Status.RUNNING  # the killed worker left it unfinished
        second = start_worker(redis_url, settings.MEDIA_ROOT, "second")
        assert wait_for(asset, {Status.OK}, 120) == Status.OK
        assert asset.attempts == 2 and asset.glb
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
