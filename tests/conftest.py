"""Shared fixtures, and the rule for tests that need an outside service.

A test that needs PostgreSQL, Redis, Chromium or bubblewrap is skipped with the
reason when the service is missing; with ARENA_REQUIRE_SERVICES=1 (set by CI)
the same test fails instead, so CI always runs it for real.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("ARENA_REQUIRE_SERVICES", "") not in ("", "0", "false")


def missing_service(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (ARENA_REQUIRE_SERVICES is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _services(request: pytest.FixtureRequest) -> None:
    """Skip (or, in CI, fail) marked tests whose service is not here."""
    if request.node.get_closest_marker("postgres"):
        from django.conf import settings

        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            missing_service("needs PostgreSQL: run with DATABASE_URL=postgres://... (make test does)")
    if request.node.get_closest_marker("redis"):
        url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
        if not reachable(url, 6379):
            missing_service(f"needs Redis at {url}")
    if request.node.get_closest_marker("browser") and not shutil.which("chromium"):
        missing_service("needs Debian's Chromium (apt-get install chromium)")


@pytest.fixture
def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def media_root(tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _quiet_background_work(settings) -> None:  # type: ignore[no-untyped-def]
    """No stray leaderboard refresh from one test may land in another's database."""
    from django.core.cache import cache

    cache.clear()
    settings.LEADERBOARD_DEBOUNCE_SECONDS = 3600


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per test module."""
    from tests.arena.browser_helpers import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        missing_service("needs Debian's Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the tests still
    # call the ORM between page actions, which Django would otherwise refuse.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
