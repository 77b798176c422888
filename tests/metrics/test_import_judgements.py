"""Importing an automatic judge's verdicts: `manage.py arena_import_judgements FILE`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arena.models import Asset, Generator, Prompt, Setting, Status
from metrics.models import Judge, Judgement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cast() -> None:
    chair = Prompt.objects.create(slug="chair-seed0", text="A chair", instance="Chair_seed0")
    Prompt.objects.create(slug="chair-seed0-image", text="A chair", task="image-to-3d", instance="Chair_seed0")
    Prompt.objects.create(slug="lamp-seed1", text="A lamp")  # no instance stored: found by its slug
    for name in ("Atlas", "Birch", "Cobalt"):
        gen = Generator.objects.create(name=name)
        setting = Setting.objects.create(generator=gen, name=f"{name.lower()}_text_to_3d")
        Asset.objects.create(prompt=chair, generator=gen, setting=setting, status=Status.OK)


def _file(tmp_path: Path, text: str, name: str = "judge.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_it_imports_a_csv_file_and_links_the_assets(tmp_path, capsys):
    path = _file(tmp_path, "prompt,model_a,model_b,judge,winner,probability_a,order\n"
                           "chair-seed0,Atlas,Birch,gpt-judge,a,0.8,\n"
                           "chair-seed0,Birch,Cobalt,gpt-judge,b,,b\n"
                           "lamp-seed1,Atlas,Cobalt,gpt-judge,tie,,\n")  # fmt: skip
    call_command("arena_import_judgements", str(path), "--no-report")
    assert "3 judgement(s) of gpt-judge: 3 created, 0 updated" in capsys.readouterr().out
    judge = Judge.objects.get()
    assert (judge.name, judge.kind) == ("gpt-judge", "llm")
    first = Judgement.objects.get(prompt__slug="chair-seed0", generator_a__name="Atlas")
    assert (first.winner, first.probability_a, first.a_first) == ("a", 0.8, True)
    assert first.asset_a == Asset.objects.get(generator__name="Atlas")  # the model's one output for the prompt
    second = Judgement.objects.get(prompt__slug="chair-seed0", generator_a__name="Birch")
    assert (second.a_first, second.probability_a) == (False, None)
    assert Judgement.objects.get(prompt__slug="lamp-seed1").asset_a is None  # no output of it here


def test_importing_the_same_file_again_changes_nothing(tmp_path, capsys):
    path = _file(tmp_path, "prompt,model_a,model_b,winner\nchair-seed0,Atlas,Birch,a\nchair-seed0,Birch,Cobalt,b\n")
    call_command("arena_import_judgements", str(path), "--judge", "j1", "--no-report")
    before = list(Judgement.objects.order_by("id").values_list("id", "winner", "generator_a_id", "generator_b_id"))
    call_command("arena_import_judgements", str(path), "--judge", "j1", "--no-report")
    assert "0 created, 2 updated" in capsys.readouterr().out
    after = list(Judgement.objects.order_by("id").values_list("id", "winner", "generator_a_id", "generator_b_id"))
    assert after == before


def test_a_verdict_given_again_in_the_swapped_form_replaces_the_stored_one(tmp_path):
    # "Birch vs Atlas, B shown first" is the same presentation as "Atlas vs Birch, A first".
    call_command("arena_import_judgements", str(_file(tmp_path, "prompt,model_a,model_b,winner\n"
                 "chair-seed0,Atlas,Birch,a\n")), "--judge", "j1", "--no-report")  # fmt: skip
    call_command("arena_import_judgements", str(_file(tmp_path, "prompt,model_a,model_b,winner,order\n"
                 "chair-seed0,Birch,Atlas,a,b\n")), "--judge", "j1", "--no-report")  # fmt: skip
    stored = Judgement.objects.get()
    assert (stored.generator_a.name, stored.a_first, stored.winner) == ("Birch", False, "a")


def test_it_reads_json_lines_and_takes_a_setting_name_for_a_model(tmp_path):
    rows = [
        {"prompt": "chair-seed0", "model_a": "atlas_text_to_3d", "model_b": "Birch", "winner": "both_bad",
         "judge": "j2", "kind": "script"},
        {"prompt": "chair-seed0", "model_a": "Cobalt", "model_b": "Birch", "winner": "b", "judge": "j2",
         "setting_b": "birch_text_to_3d", "probability_a": 0.25},
    ]  # fmt: skip
    path = _file(tmp_path, "\n".join(json.dumps(row) for row in rows) + "\n", "judge.jsonl")
    call_command("arena_import_judgements", str(path), "--no-report")
    assert Judge.objects.get().kind == "script"
    atlas = Judgement.objects.get(generator_a__name="Atlas")
    assert atlas.setting_a.name == "atlas_text_to_3d" and atlas.winner == "both_bad"
    assert Judgement.objects.get(generator_a__name="Cobalt").asset_b.setting.name == "birch_text_to_3d"


BAD_ROWS = [
    ("nowhere,Atlas,Birch,j,a,,", "field 'prompt': unknown prompt 'nowhere'"),
    ("chair-seed0,Zed,Birch,j,a,,", "field 'model_a': unknown model 'Zed'"),
    ("chair-seed0,Atlas,Atlas,j,a,,", "field 'model_b': the same model as model_a"),
    ("chair-seed0,Atlas,Birch,,a,,", "field 'judge': missing"),
    ("chair-seed0,Atlas,Birch,j,maybe,,", "field 'winner': 'maybe' is not one of a, b, tie, both_bad"),
    ("chair-seed0,Atlas,Birch,j,,,", "field 'winner': missing"),
    ("chair-seed0,Atlas,Birch,j,a,1.5,", "field 'probability_a': '1.5' is not a probability in [0, 1]"),
    ("chair-seed0,Atlas,Birch,j,a,high,", "field 'probability_a': 'high' is not a number"),
    ("chair-seed0,Atlas,Birch,j,a,,c", "field 'order': 'c' must be 'a'"),
    ("chair-seed0,Atlas,Birch,j,a", "expected 7 columns, found 5"),
]


@pytest.mark.parametrize(("row", "error"), BAD_ROWS)
def test_each_kind_of_bad_row_is_named_with_its_line_and_field(tmp_path, capsys, row, error):
    path = _file(tmp_path, f"prompt,model_a,model_b,judge,winner,probability_a,order\nchair-seed0,Birch,Cobalt,j,a,,\n"
                           f"{row}\n")  # fmt: skip
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("arena_import_judgements", str(path), "--no-report")
    assert f"{path}:3: {error}" in capsys.readouterr().err
    assert not Judgement.objects.exists() and not Judge.objects.exists()  # the good row was not stored either


def test_every_bad_row_is_listed_and_nothing_is_stored(tmp_path, capsys):
    path = _file(tmp_path, "prompt,model_a,model_b,winner,setting_a\n"
                           "chair-seed0,Atlas,Birch,a,\n"
                           "chair-seed0,Atlas,Birch,b,\n"
                           "chair-seed0,Atlas,Cobalt,a,birch_text_to_3d\n"
                           "chair-seed0,Atlas,Cobalt,x,\n")  # fmt: skip
    with pytest.raises(CommandError, match="3 bad row"):
        call_command("arena_import_judgements", str(path), "--judge", "j", "--no-report")
    err = capsys.readouterr().err
    assert f"{path}:3: the same judge, prompt, models and order as line 2" in err
    assert f"{path}:4: field 'setting_a': setting 'birch_text_to_3d' is not a setting of this model" in err
    assert f"{path}:5: field 'winner'" in err
    assert not Judgement.objects.exists()


def test_a_bad_header_or_unreadable_json_is_an_error(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("arena_import_judgements", str(_file(tmp_path, "prompt,model_a,winner,colour\nx,y,a,red\n")),
                     "--no-report")  # fmt: skip
    err = capsys.readouterr().err
    assert ":1: unknown column(s) colour; missing column(s) model_b" in err
    with pytest.raises(CommandError):
        call_command("arena_import_judgements", str(_file(tmp_path, '{"prompt": "chair-seed0",\n[1]\n', "j.jsonl")),
                     "--no-report")  # fmt: skip
    err = capsys.readouterr().err
    assert "j.jsonl:1: not JSON" in err and "j.jsonl:2: expected a JSON object, found list" in err


BENCHMARK = [
    {"instance": "Chair_seed0", "model_1": "Atlas", "model_2": "Birch", "preference": "1", "judge": "bench-judge",
     "reason": "cleaner legs"},
    {"instance": "Chair_seed0", "model_1": "Birch", "model_2": "Atlas", "preference": "2", "judge": "bench-judge"},
    {"instance": "Chair_seed0", "task": "image", "model_1": "Atlas", "model_2": "Cobalt", "preference": "tie",
     "judge": "bench-judge"},
    {"instance": "Lamp_seed1", "model_1": "cobalt_text_to_3d", "model_2": "Birch", "preference": "both bad",
     "judge": "bench-judge", "probability_1": 0.4},
]  # fmt: skip


def test_it_maps_the_benchmark_judge_output(tmp_path, capsys):
    path = _file(tmp_path, "\n".join(json.dumps(row) for row in BENCHMARK), "pairwise.jsonl")
    call_command("arena_import_judgements", str(path), "--format", "benchmark", "--no-report")
    assert "(benchmark): 4 judgement(s) of bench-judge: 4 created" in capsys.readouterr().out
    got = {(j.prompt.slug, j.generator_a.name, j.generator_b.name): (j.winner, j.a_first, j.probability_a)
           for j in Judgement.objects.select_related("prompt", "generator_a", "generator_b")}  # fmt: skip
    assert got == {
        ("chair-seed0", "Atlas", "Birch"): ("a", True, None),
        ("chair-seed0", "Birch", "Atlas"): ("b", True, None),  # the same pair, the other order
        ("chair-seed0-image", "Atlas", "Cobalt"): ("tie", True, None),  # the instance's image-to-3D prompt
        ("lamp-seed1", "Cobalt", "Birch"): ("both_bad", True, 0.4),  # a run folder names its model
    }


def test_the_benchmark_mapping_names_the_benchmarks_own_fields_in_errors(tmp_path, capsys):
    rows = [{"instance": "Sofa_seed3", "model_1": "Atlas", "model_2": "Birch", "preference": "1"},
            {"instance": "Chair_seed0", "model_1": "Atlas", "model_2": "Nobody", "preference": "1"},
            {"instance": "Chair_seed0", "model_1": "Atlas", "model_2": "Birch", "preference": "3"}]  # fmt: skip
    path = _file(tmp_path, json.dumps(rows, indent=1), "pairwise.json")  # a JSON list, one key per line
    with pytest.raises(CommandError):
        call_command("arena_import_judgements", str(path), "--format", "benchmark", "--judge", "j", "--no-report")
    err = capsys.readouterr().err
    assert "pairwise.json:2: field 'instance': no text-to-3d prompt for instance 'Sofa_seed3'" in err
    assert "pairwise.json:8: field 'model_2': unknown model 'Nobody'" in err
    assert "pairwise.json:14: field 'preference': '3' is not one of" in err
    assert not Judgement.objects.exists()
