"""nginx in front of a live server sends a battle's GLB itself (X-Accel-Redirect), as deploy/nginx.conf says.

nginx runs as this test's user, one process, with its own configuration, prefix and temporary
folders under tmp_path, on a free loopback port; its `/protected/` location is the one shipped in
deploy/nginx.conf. Skipped with the reason when Debian's nginx is not installed (CI installs it).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from arena.models import Battle
from leaderboard.bench_study import Nginx, nginx_binary, nginx_start, nginx_stop
from tests.conftest import missing_service

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nginx(live_server, media_root, tmp_path, settings) -> Iterator[Nginx]:  # type: ignore[no-untyped-def]
    binary = nginx_binary()
    if binary is None:
        missing_service("needs Debian's nginx (apt-get install nginx)")
    settings.ARENA_ACCEL_REDIRECT = "/protected/"
    port = int(live_server.url.rsplit(":", 1)[1])
    media_root.mkdir(parents=True, exist_ok=True)
    server = nginx_start(binary=binary, upstreams=[port], media_root=media_root, folder=tmp_path / "nginx")
    yield server
    nginx_stop(server)


def test_nginx_sends_the_glb_under_the_battle_address_and_never_shows_where_it_lies(cast, nginx, live_server):
    with httpx.Client(base_url=nginx.url, timeout=30) as browser:
        assert browser.get("/arena/").status_code == 200
        served = browser.post("/arena/api/battles/", json={}, headers={"X-CSRFToken": browser.cookies["csrftoken"]})
        assert served.status_code == 200
        battle = served.json()
        stored = Battle.objects.select_related("asset_a").get(public_id=battle["a"]["glb"].split("/")[3])
        name = stored.asset_a.glb.name
        glb = browser.get(battle["a"]["glb"])
        assert glb.status_code == 200
        assert glb.content == stored.asset_a.glb.read() and glb.content[:4] == b"glTF"
        assert glb.headers["content-type"] == "model/gltf-binary"
        assert glb.headers["content-disposition"] == 'inline; filename="a.glb"'
        assert glb.headers["cache-control"] == "private, max-age=3600"
        seen = "\n".join(f"{k}: {v}" for k, v in glb.headers.items())
        assert "x-accel-redirect" not in seen.lower()
        assert name not in seen and stored.asset_a.public_id not in seen
        # The internal location answers nothing to a browser, even with the exact name.
        assert browser.get(f"/protected/{name}").status_code == 404
        # Another browser is refused by Django, before nginx would look for a file.
        with httpx.Client(base_url=nginx.url, timeout=30) as stranger:
            assert stranger.get(battle["a"]["glb"]).status_code == 404
    # Django itself answered with an empty body: the bytes above came from nginx.
    upstream = live_server.url.replace("localhost", "127.0.0.1")  # where the session cookie belongs
    with httpx.Client(base_url=upstream, cookies=browser.cookies, timeout=30) as direct:
        answer = direct.get(battle["a"]["glb"])
    assert answer.status_code == 200 and answer.content == b""
    assert answer.headers["x-accel-redirect"] == f"/protected/{name}"
