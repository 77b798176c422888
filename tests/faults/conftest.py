"""Fixtures of the fault tests: launched processes are always killed, even when a test fails."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.faults.processes import Processes, RedisServer


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Launches processes (logs under the test's tmp folder) and kills them all at teardown."""
    launched = Processes(tmp_path / "logs")
    yield launched
    launched.stop_all()


@pytest.fixture
def private_redis(processes: Processes, tmp_path: Path) -> RedisServer:
    """A redis-server of this test's own, on a free port: safe to stop and restart."""
    if not shutil.which("redis-server"):
        missing_service("needs redis-server (apt-get install redis-server) to run a private Redis")
    server = RedisServer(processes, tmp_path / "redis")
    server.start()
    return server


@pytest.fixture
def rendered_arena(transactional_db: None) -> int:
    """Twelve prompts answered by four generators, all rendered: 72 pairs per annotator (no files needed)."""
    from arena.models import Asset, Generator, Prompt, Status

    generators = [Generator.objects.create(name=f"fault-model-{k}") for k in range(4)]
    for p in range(12):
        prompt = Prompt.objects.create(slug=f"fault-prompt-{p}", text=f"Object {p}", category="manufactured")
        for generator in generators:
            Asset.objects.create(prompt=prompt, generator=generator, status=Status.OK, stats={"triangles": 12})
    return 12 * 6
