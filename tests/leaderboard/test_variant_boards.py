"""Variant boards: settings rated as players, their win matrix, the dimension effects, the page and the API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from arena.models import Annotator, Asset, Battle, Generator, Prompt, Setting, Status, Vote
from leaderboard.models import Snapshot
from leaderboard.rating import A_WINS, B_WINS
from leaderboard.selectors import setting_battles
from leaderboard.services import snapshot_compute, snapshots_refresh
from leaderboard.variants import (
    SettingInfo,
    dimension_effects,
    dimension_groups,
    fit_variants,
    variant_board,
    win_probabilities,
    win_probability,
)

IMAGE = "image-to-3d"
SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "benchmark-release"


# -- a small arena: Focus has 1-view and 4-view runs, two opponents one run each -------------------------


def setting(model: str, name: str, views: int | None, task: str = IMAGE, **values: object) -> Setting:
    generator, _ = Generator.objects.get_or_create(name=model)
    label = f"{views} views" if views else "text"
    stated = {"model": model, "task": task, "views": views, "multi_turn": False, "thinking": "medium", **values}
    return Setting.objects.create(generator=generator, name=name, task=task, values=stated, label=label)


def asset(prompt: Prompt, generator: str, run: Setting | None) -> Asset:
    return Asset.objects.create(
        prompt=prompt, generator=Generator.objects.get(name=generator), setting=run, status=Status.OK
    )


def vote(a: Asset, b: Asset, winner: str, annotator: Annotator) -> None:
    battle = Battle.objects.create(prompt=a.prompt, asset_a=a, asset_b=b, annotator=annotator, strategy="uniform")
    Vote.objects.create(battle=battle, winner=winner, prompt=a.prompt, generator_a=a.generator,
                        generator_b=b.generator, annotator=annotator, seconds_to_vote=5.0)  # fmt: skip


@pytest.fixture
def arena(db):
    """Against Opp1 and Opp2, Focus's 4-view run wins 3 in 4, its 1-view run 1 in 3; Solo has one run, Bare none."""
    prompt = Prompt.objects.create(slug="chair-image", task=IMAGE, category="Chair", text="A chair")
    one, four = setting("Focus", "focus_image_to_3d_1", 1), setting("Focus", "focus_image_to_3d_4", 4)
    runs = {name: setting(name, f"{name.lower()}_image_to_3d", None) for name in ("Opp1", "Opp2", "Solo")}
    Generator.objects.create(name="Bare")
    assets = {
        "one": asset(prompt, "Focus", one),
        "four": asset(prompt, "Focus", four),
        **{name: asset(prompt, name, run) for name, run in runs.items()},
        "bare": asset(prompt, "Bare", None),
    }
    who = Annotator.objects.create()
    for opponent in ("Opp1", "Opp2"):
        for k in range(24):
            vote(assets["four"], assets[opponent], "a" if k % 4 else "b", who)  # 18 wins, 6 losses
            vote(assets[opponent], assets["one"], "b" if k % 3 == 0 else "a", who)  # 8 wins, 16 losses
    for k in range(10):
        vote(assets["Solo"], assets["Opp1"], "a" if k % 2 else "tie", who)
        vote(assets["Opp2"], assets["Solo"], "a" if k % 2 else "b", who)
        vote(assets["bare"], assets["Opp1"], "a", who)  # no setting on one side: not on the variant board
    return assets


# -- the selector ---------------------------------------------------------------------------------------


def test_it_maps_each_side_of_a_vote_to_the_setting_of_the_asset_shown(arena):
    board = setting_battles({IMAGE})[IMAGE]
    names = [s.name for s in board.settings]
    assert sorted(names) == sorted(["focus_image_to_3d_1", "focus_image_to_3d_4", "opp1_image_to_3d",
                                    "opp2_image_to_3d", "solo_image_to_3d"])  # fmt: skip
    rows = {(names[a], names[b], o): n for a, b, o, n in zip(board.a, board.b, board.outcome, board.count, strict=True)}
    assert rows[("focus_image_to_3d_4", "opp1_image_to_3d", A_WINS)] == 18
    assert rows[("focus_image_to_3d_4", "opp1_image_to_3d", B_WINS)] == 6
    assert rows[("opp2_image_to_3d", "focus_image_to_3d_1", B_WINS)] == 8
    assert sum(board.count) == 2 * 2 * 24 + 2 * 10  # Bare's 10 votes have no setting on its side
    focus = next(s for s in board.settings if s.name == "focus_image_to_3d_4")
    assert focus.model == "Focus" and focus.values["views"] == 4 and focus.task == IMAGE


def test_the_task_board_keeps_the_variant_board_and_four_views_rate_above_one(arena):
    snapshots_refresh()
    stored = Snapshot.objects.get(task=IMAGE, family="", category="").options["variants"]
    order = [row["setting"] for row in stored["settings"] if row["model"] == "Focus"]
    assert order == ["focus_image_to_3d_4", "focus_image_to_3d_1"]
    ratings = {row["setting"]: row for row in stored["settings"]}
    four, one = ratings["focus_image_to_3d_4"], ratings["focus_image_to_3d_1"]
    assert four["rating"] - one["rating"] > 100 and four["ci_low"] > one["ci_high"]
    assert (four["battles"], four["wins"], four["losses"]) == (48, 36, 12)
    assert stored["models"]["Focus"]["settings"] == order
    assert stored["parts"] == 1 and stored["n_votes"] == 116
    assert "variants" not in Snapshot.objects.get(task="", family="", category="").options
    assert "variants" not in Snapshot.objects.get(task=IMAGE, family="", category="Chair").options


def test_the_win_matrix_follows_the_ratings_and_its_intervals_hold_the_point(arena):
    snapshots_refresh()
    stored = Snapshot.objects.get(task=IMAGE, family="", category="").options["variants"]
    ratings = {row["setting"]: row["rating"] for row in stored["settings"]}
    focus = stored["models"]["Focus"]
    (diagonal, cell), (back, _) = focus["win_matrix"]
    assert diagonal is None
    expected = 1 / (1 + 10 ** ((ratings["focus_image_to_3d_1"] - ratings["focus_image_to_3d_4"]) / 400))
    assert cell["p"] == pytest.approx(expected) and cell["p"] + back["p"] == pytest.approx(1.0)
    assert cell["low"] < cell["p"] < cell["high"] and back["low"] < back["p"] < back["high"]
    assert cell["battles"] == 0 and cell["observed"] is None  # settings of one model never meet
    versus = {row["opponent"]: row for row in focus["versus"]}
    assert versus["Opp1"]["battles"] == [24, 24] and versus["Opp1"]["win_rate"] == [0.75, pytest.approx(1 / 3)]
    assert "Solo" not in versus


def test_a_task_board_stored_before_variant_boards_is_refitted_once(arena):
    snapshots_refresh()
    board = Snapshot.objects.get(task=IMAGE, family="", category="")
    board.options.pop("variants")
    board.save()
    fresh = snapshots_refresh()
    assert [(s.task, s.family, s.category) for s in fresh] == [(IMAGE, "", "")]
    assert fresh[0].options["variants"]["settings"]
    assert snapshots_refresh() == []


# -- the math -------------------------------------------------------------------------------------------


def test_the_win_probability_is_the_elo_scale_bradley_terry():
    assert win_probability(1100.0, 1000.0) == pytest.approx(1 / (1 + 10 ** (-100 / 400)))
    assert win_probability(1000.0, 1400.0) == pytest.approx(1 / 11)


def test_settings_that_share_no_opponent_are_fitted_apart_and_not_compared():
    # 0 and 1 meet 2; 3 and 4 meet each other only.
    a, b, outcome, count = [0, 1, 0, 1, 3, 3], [2, 2, 2, 2, 4, 4], [0, 0, 1, 1, 0, 1], [6, 3, 4, 7, 5, 5]
    fit = fit_variants(5, a, b, outcome, count, bootstrap=50)
    assert fit.part.tolist() == [0, 0, 0, 1, 1]
    assert fit.rating[:3].mean() == pytest.approx(1000) and fit.rating[3:].mean() == pytest.approx(1000)
    p, low, high = win_probabilities(fit, [0, 1, 3])
    assert np.isnan(p[0, 2]) and np.isnan(low[1, 2]) and not np.isnan(p[0, 1])
    assert p[0, 1] > 0.5 and low[0, 1] <= p[0, 1] <= high[0, 1]


def test_a_dimension_compares_only_settings_of_one_model_alike_in_everything_else():
    # Model 0: 1 view and 4 views (thinking medium); model 1: 1 view medium, 4 views high (not alike).
    owner, part = [0, 0, 1, 1], [0, 0, 0, 0]
    views = [1, 4, 1, 4]
    others = [("medium",), ("medium",), ("medium",), ("high",)]
    groups = dimension_groups(owner, views, others, part)
    assert [(g.owner, g.settings) for g in groups] == [(0, {1: (0,), 4: (1,)})]
    a, b, outcome, count = [1, 0, 2, 3], [2, 3, 1, 0], [0, 1, 1, 0], [12, 9, 11, 10]
    fit = fit_variants(4, a, b, outcome, count, bootstrap=40)
    (effect,) = dimension_effects(fit, groups)
    assert (effect.base, effect.to, effect.owners) == (1, 4, (0,))
    assert effect.difference == pytest.approx(fit.rating[1] - fit.rating[0])
    assert effect.low <= effect.difference <= effect.high


def test_the_stored_board_groups_by_views_and_says_what_each_value_is_worth():
    infos = [
        SettingInfo("m_1", "m", "1 view", IMAGE, {"views": 1, "max_images": 1, "thinking": "low"}),
        SettingInfo("m_4", "m", "4 views", IMAGE, {"views": 4, "max_images": 4, "thinking": "low"}),
        SettingInfo("n", "n", "all views", IMAGE, {"views": None, "thinking": "low"}),
    ]
    a, b, outcome, count = [1, 2, 0, 2], [2, 1, 2, 0], [0, 0, 1, 0], [20, 10, 14, 9]
    board = variant_board(infos, a, b, outcome, count, bootstrap=30, min_votes=40)
    views = next(d for d in board["dimensions"] if d["dimension"] == "views")
    assert views["values"] == ["1 view", "4 views"]
    (group,) = views["groups"]
    assert group["model"] == "m" and group["settings"] == {"1 view": ["m_1"], "4 views": ["m_4"]}
    (effect,) = views["effects"]
    assert (effect["base"], effect["to"], effect["models"]) == ("1 view", "4 views", ["m"])
    assert effect["difference"] > 0
    thinking = next(d for d in board["dimensions"] if d["dimension"] == "thinking")
    assert thinking["groups"] == [] and thinking["effects"] == []
    provisional = {row["setting"]: (row["battles"], row["provisional"]) for row in board["settings"]}
    assert provisional == {"m_1": (23, True), "m_4": (30, True), "n": (53, False)}  # from 40 votes on


# -- the page and the API -------------------------------------------------------------------------------


def test_the_api_gives_a_models_settings_win_matrix_and_opponents(arena, client):
    snapshots_refresh()
    data = client.get("/leaderboard/api/variants/", {"model": "Focus", "task": IMAGE}).json()
    assert data["model"] == "Focus" and len(data["boards"]) == 1
    (board,) = data["boards"]
    assert board["snapshot"] == Snapshot.objects.get(task=IMAGE, family="", category="").public_id
    assert [row["setting"] for row in board["settings"]] == ["focus_image_to_3d_4", "focus_image_to_3d_1"]
    assert board["matrix_settings"] == ["focus_image_to_3d_4", "focus_image_to_3d_1"]
    assert board["win_matrix"][0][1]["p"] > 0.5
    everyone = client.get("/leaderboard/api/variants/").json()
    assert [b["task"] for b in everyone["boards"]] == ["text-to-3d", IMAGE]
    assert len(everyone["boards"][1]["settings"]) == 5 and everyone["boards"][0]["settings"] == []
    assert "variants" not in client.get("/leaderboard/api/board/", {"task": IMAGE}).json()["options"]


def test_the_page_shows_the_matrix_and_says_when_there_is_nothing_to_compare(arena, client):
    snapshots_refresh()
    focus = client.get("/leaderboard/variants/", {"model": "Focus", "task": IMAGE}).content.decode()
    assert "Predicted chance that the row" in focus and 'data-opponent="Opp1"' in focus
    assert focus.index('data-setting="focus_image_to_3d_4"') < focus.index('data-setting="focus_image_to_3d_1"')
    solo = client.get("/leaderboard/variants/", {"model": "Solo"}).content.decode()
    assert 'data-empty="one-setting"' in solo and "Predicted chance" not in solo
    bare = client.get("/leaderboard/variants/", {"model": "Bare"}).content.decode()
    assert 'data-empty="model"' in bare and "Bare (no votes on its settings)" in bare
    assert 'href="/leaderboard/variants/"' in client.get("/leaderboard/").content.decode()


def test_the_page_and_api_render_before_any_vote(db, client):
    page = client.get("/leaderboard/variants/")
    assert page.status_code == 200 and "No variant board for this task yet" in page.content.decode()
    data = client.get("/leaderboard/api/variants/").json()
    assert all(board["snapshot"] is None and board["settings"] == [] for board in data["boards"])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"model": "Nobody"}, "Unknown model 'Nobody' in the query parameter 'model'"),
        ({"model": "bad\x00name"}, "Unknown model"),
        ({"task": "sound-to-3d"}, "Unknown task 'sound-to-3d'"),
    ],
)
def test_a_bad_query_is_a_404_naming_the_parameter(db, client, query, message):
    answer = client.get("/leaderboard/api/variants/", query)
    assert answer.status_code == 404 and message in answer.json()["error"]
    assert client.get("/leaderboard/variants/", query).status_code == 404


def test_a_single_board_compute_keeps_the_variant_board_too(arena):
    snapshot = snapshot_compute(task=IMAGE)
    assert snapshot is not None and snapshot.options["variants"]["models"]["Focus"]["settings"]


# -- the shared sample of the real release --------------------------------------------------------------


def test_the_sample_releases_settings_become_players_with_their_labels(db, media_root, client):
    if not SAMPLE.is_dir():
        pytest.skip(f"the shared release sample is not here ({SAMPLE})")
    from arena.services import run_import

    assert run_import(path=SAMPLE).ok
    who = Annotator.objects.create()
    for prompt in Prompt.objects.filter(task=IMAGE):
        pair = list(Asset.objects.filter(prompt=prompt, setting__isnull=False).order_by("setting__name"))
        if len(pair) == 2:
            vote(pair[0], pair[1], "a", who)
    snapshots_refresh()
    data = client.get("/leaderboard/api/variants/", {"model": "model-alpha", "task": IMAGE}).json()
    (row,) = data["boards"][0]["settings"]
    assert row["setting"] == "model-alpha_image_to_3d_4" and row["label"].startswith("image-to-3D · 4 views")
    assert data["boards"][0]["win_matrix"] == [[None]]
