"""The gallery and the board show executability by attempt and each model's most frequent errors."""

from __future__ import annotations

import re

import pytest

from leaderboard.services import snapshots_refresh
from tests.leaderboard.test_model_executability import cast  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def panel(html: str) -> str:
    return html[
        html.index('<section class="card executability-card"') : html.index(
            "</section>", html.index("executability-heading")
        )
    ]


def test_the_gallery_shows_executability_by_attempt_above_the_grid(client, settings, cast):  # noqa: F811
    settings.GALLERY_PUBLIC = True
    html = client.get("/renders/").content.decode()
    assert html.index('id="executability"') < html.index('<table class="gallery">')
    table = panel(html)
    multi = table[table.index('data-exec-model="multi"') : table.index('data-exec-model="plain"')]
    model_row = multi[: multi.index("</tr>")]
    assert re.findall(r'exec-share">([^<]*)</td>', model_row) == ["33%", "50%", "50%", "67%"]
    assert '<code>NameError: name &#x27;bmesh&#x27; is not defined</code> <span class="muted">× 4</span>' in multi
    assert 'data-exec-setting="multi_image_to_3d_4"' in multi and "4 views" in multi


def test_the_board_shows_the_same_panel(client, cast):  # noqa: F811
    from tests.leaderboard.conftest import make_votes

    make_votes([("multi", "plain", "a")] * 3, category="Fern")
    snapshots_refresh()
    table = panel(client.get("/leaderboard/").content.decode())
    assert 'data-exec-model="plain"' in table and "the script ran but left no mesh" in table
