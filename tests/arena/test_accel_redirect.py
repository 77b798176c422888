"""Battle files sent by the reverse proxy (ARENA_ACCEL_REDIRECT) or streamed by Django.

With a prefix set, a battle file is an empty answer whose X-Accel-Redirect names the file
under the proxy's internal location; everything else the browser sees (type, file name,
cache headers, who may fetch it) stays as when Django streams the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from arena.models import Asset, Battle, Study
from tests.arena.test_study_flow import arrive, post
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

PREFIX = "/protected/"


@pytest.fixture
def accel(settings) -> str:  # type: ignore[no-untyped-def]
    settings.ARENA_ACCEL_REDIRECT = PREFIX
    return PREFIX


@pytest.fixture
def study(cast) -> Study:  # type: ignore[no-untyped-def]
    study = Study.objects.create(slug="shapes", title="Shapes", quota=3, min_vote_seconds=0, completion_code="DONE")
    study.prompts.set(cast.prompts)
    return study


def pair(client: Client, url: str = "/arena/api/battles/") -> tuple[dict, Battle]:
    status, battle = post(client, url)
    assert status == 200, battle
    return battle, Battle.objects.select_related("asset_a", "asset_b").get(public_id=battle["a"]["glb"].split("/")[3])


def headers_text(response) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{name}: {value}" for name, value in response.headers.items())


def test_it_streams_the_file_when_no_proxy_is_configured(client, cast):
    battle, stored = pair(client)
    response = client.get(battle["a"]["glb"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored.asset_a.glb.read()
    assert "X-Accel-Redirect" not in response.headers
    assert stored.asset_a.glb.name not in headers_text(response)
    assert response["Content-Disposition"] == 'inline; filename="a.glb"'


def test_with_a_prefix_the_answer_is_empty_and_names_the_file_for_the_proxy_only(client, cast, accel):
    battle, stored = pair(client)
    for side, asset in (("a", stored.asset_a), ("b", stored.asset_b)):
        response = client.get(battle[side]["glb"])
        assert response.status_code == 200
        assert response.content == b""
        assert response["X-Accel-Redirect"] == PREFIX + asset.glb.name
        assert response["Content-Type"] == "model/gltf-binary"
        assert response["Content-Disposition"] == f'inline; filename="{side}.glb"'
        assert response["Cache-Control"] == "private, max-age=3600"
        # The internal header is the only one that carries the storage name or the asset's id.
        others = {k: v for k, v in response.headers.items() if k != "X-Accel-Redirect"}
        assert asset.public_id not in json.dumps(others)
        assert asset.glb.name not in json.dumps(others)


def test_a_clay_render_is_redirected_under_the_battle_scoped_name(client, cast, accel, media_root):
    for asset in Asset.objects.filter(status="ok"):
        name = f"views/{asset.public_id}/0.png"
        asset.views = [asset.glb.storage.save(name, ContentFile(b"\x89PNG\r\n\x1a\n"))]
        asset.save(update_fields=["views"])
    battle, stored = pair(client)
    response = client.get(battle["b"]["views"][0])
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == PREFIX + stored.asset_b.views[0]
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="b-0.png"'


def test_the_access_rules_are_unchanged_behind_the_proxy(client, cast, accel):
    battle, _ = pair(client)
    other = Client()
    post(other, "/arena/api/battles/")  # an annotator of their own, with pairs of their own
    for stranger in (other, Client()):
        response = stranger.get(battle["a"]["glb"])
        assert response.status_code == 404 and "X-Accel-Redirect" not in response.headers
    unknown = battle["a"]["glb"].replace("/a.glb", "/c.glb")
    assert client.get(unknown).status_code == 404
    assert client.get(battle["a"]["glb"].replace(battle["a"]["glb"].split("/")[3], "nope")).status_code == 404
    assert client.get(battle["a"]["glb"].replace(".glb", "/7.png")).status_code == 404  # no such view


def test_a_study_pair_is_redirected_too_and_only_for_its_participant(client, cast, study, accel):
    arrive(client)
    battle, stored = pair(client, "/study/shapes/api/battles/")
    response = client.get(battle["a"]["glb"])
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == PREFIX + stored.asset_a.glb.name
    other = Client()
    arrive(other, query="PROLIFIC_PID=another0participant0id0000")
    assert other.get(battle["a"]["glb"]).status_code == 404


def settings_error(**env: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    return run.stderr.strip().splitlines()[-1]


def test_a_prefix_that_is_not_a_location_or_an_object_store_is_refused_at_start_up():
    assert "ARENA_ACCEL_REDIRECT='protected': expected an internal location" in settings_error(
        ARENA_ACCEL_REDIRECT="protected"
    )
    error = settings_error(ARENA_ACCEL_REDIRECT="/protected/", MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="media")
    assert "needs MEDIA_STORAGE=filesystem" in error
