"""Metrics and imported judges held to the human votes, in the correlation report, its page and its API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from arena.models import Prompt
from leaderboard import correlation_services
from leaderboard.services import snapshot_compute
from tests.leaderboard.test_correlation_page import STRENGTH, _cast

pytestmark = pytest.mark.django_db


def _judgements(tmp_path: Path, *, judge: str, honest: bool) -> Path:
    """Every pair of models on every prompt, in both orders; an honest judge picks the stronger model."""
    lines = ["prompt,model_a,model_b,judge,winner,probability_a"]
    names = list(STRENGTH)
    for slug in Prompt.objects.values_list("slug", flat=True):
        for a in names:
            for b in names:
                if a == b:
                    continue
                a_better = STRENGTH[a] > STRENGTH[b]
                if not honest:  # always picks the output it saw first
                    lines.append(f"{slug},{a},{b},{judge},a,")
                else:
                    lines.append(f"{slug},{a},{b},{judge},{'a' if a_better else 'b'},{0.9 if a_better else 0.1}")
    path = tmp_path / f"{judge}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def report(settings, tmp_path):
    settings.LEADERBOARD_BOOTSTRAP = 50
    _cast(n_votes=240)
    snapshot_compute(task="")
    snapshot_compute(task="text-to-3d")
    call_command("arena_import_judgements", str(_judgements(tmp_path, judge="honest", honest=True)), "--no-report")
    call_command("arena_import_judgements", str(_judgements(tmp_path, judge="first-seen", honest=False)),
                 "--no-report")  # fmt: skip
    result = correlation_services.report_compute(rounds=60)
    assert result is not None
    return result


def _section(report, task: str = "") -> dict:
    return next(s for s in report.report["scopes"] if s["task"] == task and not s["category"])["judges"]


def _entry(section: dict, name: str) -> dict:
    return next(e for e in section["entries"] if e["name"] == name)


def test_an_honest_judge_agrees_with_people_and_keeps_its_verdicts_when_the_order_swaps(report):
    honest = _entry(_section(report), "honest")
    assert honest["source"] == "judge" and honest["kind"] == "llm"
    assert [row["model"] for row in honest["board"]] == list(STRENGTH)  # its own board, strongest first
    assert honest["agreement_with_confidence"]["value"] > 0 and honest["agreement_with_confidence"]["disagree"] == 0
    assert honest["separability"]["value"] == 1.0  # every pair, every prompt, always the same verdict
    assert honest["agreement"]["accuracy"]["value"] > 0.6
    assert honest["agreement"]["accuracy"]["low"] <= honest["agreement"]["accuracy"]["value"]
    assert honest["probability_brier"]["value"] < 0.25
    assert honest["swap"]["n"] == 6 * 6 and honest["swap"]["consistent"]["value"] == 1.0  # 6 prompts x 6 pairs


def test_a_judge_that_always_picks_the_first_output_flips_on_every_swap(report):
    biased = _entry(_section(report), "first-seen")
    assert biased["swap"]["flipped"]["value"] == 1.0
    assert biased["agreement"]["kappa"]["value"] == pytest.approx(0.0, abs=0.15)
    assert biased["separability"]["value"] < 0.5  # every model wins as often as it loses


def test_metrics_are_ranked_beside_the_judges_with_the_human_ceiling(report):
    section = _section(report)
    chamfer = _entry(section, "chamfer")
    assert chamfer["source"] == "metric" and chamfer["swap"] is None and chamfer["board"]
    assert section["entries"][-1]["name"] == "first-seen"  # ranked by agreement with confidence first
    assert section["human"]["ceiling"]["pairs_of_votes"] > 0
    assert section["human"]["separability"]["n_pairs"] == 6


def test_the_page_and_the_api_show_a_judges_figures(report):
    client = Client()
    page = client.get("/leaderboard/correlation/").content.decode()
    assert 'id="judges-table"' in page and "honest" in page and "first-seen" in page
    data = json.loads(client.get("/leaderboard/api/correlation/").content)
    scope = data["report"]["scopes"][0]
    names = [entry["name"] for entry in scope["judges"]["entries"]]
    assert "honest" in names and "chamfer" in names


def test_the_report_is_recomputed_when_judgements_are_imported(settings, tmp_path):
    settings.LEADERBOARD_BOOTSTRAP = 20
    _cast(n_votes=60)
    snapshot_compute(task="")
    first = correlation_services.report_compute(rounds=20)
    assert first is not None and not _section(first)["entries"][-1]["source"] == "judge"
    call_command("arena_import_judgements", str(_judgements(tmp_path, judge="late", honest=True)), "--no-report")
    second = correlation_services.report_compute(rounds=20)
    assert second is not None and second.id != first.id
    assert "late" in [entry["name"] for entry in _section(second)["entries"]]


def test_the_csv_download_holds_each_judges_figures(report):
    rows = list(csv.DictReader(io.StringIO(Client().get("/leaderboard/correlation/download.csv").content.decode())))
    honest = {row["statistic"]: row for row in rows if row["section"] == "judge" and row["metric"] == "honest"
              and row["task"] == "all" and row["category"] == "all"}  # fmt: skip
    assert set(honest) == {"agreement_with_confidence", "separability", "pair_brier", "accuracy", "kappa",
                           "probability_brier", "swap_consistency"}  # fmt: skip
    assert float(honest["swap_consistency"]["value"]) == 1.0 and honest["accuracy"]["low"] != ""


def test_the_api_answer_with_judges_matches_its_openapi_schema(report):
    import jsonschema

    from config.openapi import correlation_schema

    data = json.loads(Client().get("/leaderboard/api/correlation/").content)
    jsonschema.validate(data, correlation_schema())
    del data["report"]["scopes"][0]["judges"]["entries"][0]["separability"]
    with pytest.raises(jsonschema.ValidationError, match="separability"):
        jsonschema.validate(data, correlation_schema())
