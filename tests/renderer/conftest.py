"""Shared fixtures: warm render pools started once per test session.

The pools use real ``bpy`` inside real bubblewrap sandboxes. Most tests
need no renders, so the main pool skips them; the few that check images use
a one-worker pool with a single 64 px view.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool
from tests.conftest import missing_service

SCRIPTS = Path(__file__).parent / "scripts"

# Planted before any worker starts: a sandbox must not be able to see it.
SECRET_ENV = "ARENA_RENDER_TEST_SECRET"
SECRET_VALUE = "s3cr3t-" + os.urandom(6).hex()
os.environ[SECRET_ENV] = SECRET_VALUE

Runner = Callable[..., dict[str, Any]]


# Tests that check behaviour without bubblewrap, and so run anywhere.
RUN_WITHOUT_BWRAP = {
    "test_it_names_the_cause_when_bubblewrap_is_missing",
    "test_it_warns_on_every_job_without_sandbox",
    "test_it_rewrites_a_glb_json_chunk_losslessly",
    "test_it_compresses_a_glb_with_meshopt_and_keeps_it_anonymous",
    "test_it_leaves_the_glb_as_it_was_when_gltfpack_fails",
    "test_it_imports_no_django_or_app_module",
}


def _require_bubblewrap() -> None:
    """Skip (in CI: fail) when bubblewrap is not installed."""
    if shutil.which("bwrap") is None:
        missing_service("needs bubblewrap (apt-get install bubblewrap)")


@pytest.fixture(autouse=True)
def _needs_bubblewrap(request: pytest.FixtureRequest) -> None:
    """Sandboxed tests need bubblewrap; the few listed above do not."""
    if request.node.originalname not in RUN_WITHOUT_BWRAP:
        _require_bubblewrap()


@pytest.fixture(scope="session")
def pool() -> Iterator[RenderPool]:
    """Two warm sandboxed workers, no renders, 60 s limit."""
    _require_bubblewrap()
    with RenderPool(RenderConfig(workers=2, views=0, timeout_s=60)) as shared:
        yield shared


@pytest.fixture(scope="session")
def render_pool() -> Iterator[RenderPool]:
    """One warm sandboxed worker rendering a single small view."""
    _require_bubblewrap()
    with RenderPool(RenderConfig(workers=1, views=1, size=64, timeout_s=60)) as shared:
        yield shared


@pytest.fixture(scope="session")
def short_pool() -> Iterator[RenderPool]:
    """One worker with a 3 s time limit, for runaway scripts."""
    _require_bubblewrap()
    with RenderPool(RenderConfig(workers=1, views=0, timeout_s=3)) as shared:
        yield shared


def _runner(target: RenderPool, tmp_path: Path) -> Runner:
    def run(source: str, name: str = "job.py", **kwargs: Any) -> dict[str, Any]:
        script = tmp_path / name
        script.write_text(textwrap.dedent(source), encoding="utf-8")
        return target.run(script, tmp_path / f"out_{script.stem}", **kwargs)

    return run


@pytest.fixture
def run_script(pool: RenderPool, tmp_path: Path) -> Runner:
    """Run inline script text through the shared pool."""
    return _runner(pool, tmp_path)


@pytest.fixture
def run_short(short_pool: RenderPool, tmp_path: Path) -> Runner:
    """Run inline script text through the 3 s pool."""
    return _runner(short_pool, tmp_path)


CUBE = "import bpy\nbpy.ops.mesh.primitive_cube_add()\n"
