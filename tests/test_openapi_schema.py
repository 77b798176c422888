"""The OpenAPI description cannot drift from the URL configuration."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import schemathesis
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from config.openapi import openapi_schema

pytestmark = pytest.mark.django_db

# A value for each path parameter, to turn a described path into a real one.
PATH_SAMPLES = {"public_id": "no-such-snapshot", "fmt": "json", "slug": "no-such-study"}


def routes(patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "") -> Iterator[str]:
    """Every route of the URL configuration as an OpenAPI path (`<str:x>` becomes `{x}`)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        else:
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def api_routes() -> set[str]:
    return {route for route in routes() if route.startswith("/api/") or "/api/" in route}


def described_paths() -> dict[str, dict]:
    return openapi_schema()["paths"]


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_SAMPLES[m.group(1)], path)


def test_it_describes_every_api_route():
    missing = api_routes() - set(described_paths())
    assert not missing, f"add these routes to config/openapi.py: {sorted(missing)}"
    assert "/leaderboard/api/snapshots/{public_id}/" in api_routes()


def test_it_describes_only_paths_that_resolve():
    for path in described_paths():
        try:
            resolve(concrete(path))
        except Resolver404:
            pytest.fail(f"{path} is described in config/openapi.py but no URL pattern matches it")


def test_it_describes_the_methods_each_view_allows():
    client = Client()
    for path, operations in described_paths().items():
        for method in ("get", "post"):
            response = client.generic(method.upper(), concrete(path), "{}", content_type="application/json")
            allowed = response.status_code != 405
            assert allowed == (method in operations), f"{method.upper()} {path} answered {response.status_code}"


def test_it_is_a_valid_openapi_document():
    schemathesis.openapi.from_dict(openapi_schema()).validate()
    broken = {**openapi_schema(), "paths": {"no-leading-slash": {}}}
    with pytest.raises(Exception, match="no-leading-slash"):
        schemathesis.openapi.from_dict(broken).validate()


def test_it_serves_the_schema_as_json(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == openapi_schema()
    assert client.post("/api/openapi.json").status_code == 405
