"""The study launch benchmark's search over participant counts and the nginx configuration it runs."""

from __future__ import annotations

from pathlib import Path

from leaderboard.bench_study import LADDER, next_level, nginx_config, server_times


def test_it_climbs_the_ladder_while_the_goal_is_met():
    assert next_level({}) == LADDER[0] == 300
    assert next_level({300: True}) == 400
    assert next_level({300: True, 400: True, 600: True, 800: True, 1200: True}) is None


def test_after_a_miss_it_halves_the_gap_until_the_resolution():
    assert next_level({300: True, 400: False}) == 350
    assert next_level({300: True, 400: False, 350: True}) == 375
    assert next_level({300: True, 400: False, 350: True, 375: False}) is None


def test_when_the_first_level_misses_it_halves_it_then_bisects():
    assert next_level({300: False}) == 150
    assert next_level({300: False, 150: False}) == 75
    assert next_level({300: False, 150: True}) == 225
    assert next_level({300: False, 150: False, 75: False, 25: False}) is None


def test_the_configuration_uses_the_shipped_internal_location_on_the_given_media(tmp_path: Path):
    config = nginx_config(port=8123, upstreams=[8001, 8002], media_root=tmp_path / "media", folder=tmp_path)
    location = config.split("location /protected/ {", 1)[1].split("}", 1)[0]
    assert "internal;" in location
    assert f"alias {(tmp_path / 'media').resolve()}/;" in location
    assert "listen 127.0.0.1:8123;" in config
    assert "server 127.0.0.1:8001;" in config and "server 127.0.0.1:8002;" in config
    assert "/srv/arena" not in config and f"pid {tmp_path / 'nginx.pid'};" in config


def test_websockets_go_to_their_own_servers_when_given(tmp_path: Path):
    split = nginx_config(port=8123, upstreams=[8000], media_root=tmp_path, folder=tmp_path, websocket_upstreams=[8001])
    http = split.split("upstream arena {", 1)[1].split("}", 1)[0]
    websockets = split.split("upstream arena_ws {", 1)[1].split("}", 1)[0]
    assert "127.0.0.1:8000;" in http and "8001" not in http
    assert "127.0.0.1:8001;" in websockets and "8000" not in websockets
    ws_location = split.split("location /ws/ {", 1)[1].split("}", 1)[0]
    assert "proxy_pass http://arena_ws;" in ws_location and "proxy_set_header Upgrade $http_upgrade;" in ws_location
    same = nginx_config(port=8123, upstreams=[8001, 8002], media_root=tmp_path, folder=tmp_path)
    assert "server 127.0.0.1:8002;" in same.split("upstream arena_ws {", 1)[1].split("}", 1)[0]


def test_nginx_times_are_read_from_its_log_by_request_kind():
    log = "\n".join([
        "GET /study/launch/ 0.012", "POST /study/launch/consent/ 0.020", "POST /study/launch/api/battles/ 0.031",
        "GET /arena/b/AbC123/a.glb 0.004", "GET /arena/b/AbC123/b.glb 0.006", "POST /study/launch/api/vote/ 0.045",
    ])  # fmt: skip
    assert server_times(log) == {"pages": [0.012, 0.020], "pair": [0.031], "GLB": [0.004, 0.006], "vote": [0.045]}
