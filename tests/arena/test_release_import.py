"""The benchmark release layout as its runner writes it: run folders, settings, log.json, attempts, views, families."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from arena.models import Asset, GenerationAttempt, Generator, Prompt, Setting
from arena.services import run_import

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "benchmark-release"
CUBE = "import bpy\nbpy.ops.mesh.primitive_cube_add(size=1)\n"
BROKEN = "import bpy\nbpy.ops.mesh.primitive_cube_add(radius=1)\n"
PNG = b"\x89PNG\r\n\x1a\n"


def log(**fields: Any) -> dict[str, Any]:
    record = {
        "instance": "Chair_seed0",
        "timestamp": "2026-06-01T12:00:00+00:00",
        "provider": "p",
        "model": "m",
        "temperature": 1.0,
        "thinking": "high",
        "task": "text_to_3d",
        "prompt_type": "description",
        "max_images": None,
        "seed": None,
        "status": "OK",
        "latency_s": 12.5,
        "code_chars": len(CUBE),
        "input_tokens": 100,
        "output_tokens": 200,
        "thoughts_tokens": 50,
        "total_tokens": 350,
        "cost_usd": 0.01,
        "parse_attempts": 1,
        "render_attempts": 1,
        "render_history": [{"attempt": 0, "status": "OK", "n_meshes": 1, "error_brief": None}],
        "final_render_status": "OK",
        "error": None,
    }
    record.update(fields)
    return record


def category(root: Path, name: str = "Chair", images: tuple[str, ...] = ()) -> None:
    folder = root / "categories" / f"{name}_seed0"
    folder.mkdir(parents=True)
    (folder / "prompt_description.txt").write_text(f"A {name.lower()}.")
    (folder / "prompt_instruction.txt").write_text(f"Build a {name.lower()} step by step.")
    (folder / f"{name}_seed0.py").write_text(CUBE)
    for image in images:
        (folder / "images").mkdir(exist_ok=True)
        (folder / "images" / image).write_bytes(PNG + image.encode())


def output(root: Path, run: str, name: str = "Chair", record: Any = None, **files: str | bytes) -> Path:
    folder = root / "results" / run / f"{name}_seed0"
    folder.mkdir(parents=True)
    (folder / f"{name}_seed0.py").write_text(CUBE)
    if record is not None:
        text = record if isinstance(record, (str, bytes)) else json.dumps(record)
        (folder / "log.json").write_bytes(text.encode() if isinstance(text, str) else text)
    for file, content in files.items():
        path = folder / file.replace("__", ".")
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return folder


@pytest.fixture
def root(tmp_path: Path, media_root: Path) -> Path:
    root = tmp_path / "release"
    category(root, "Chair", images=("Image_035.png", "Image_005.png", "Image_015.png", "Image_025.png"))
    return root


# -- run folders and settings ------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder, task, views, label",
    [
        ("m", "text-to-3d", None, "text-to-3D · description · thinking high"),
        ("m_image_to_3d", "image-to-3d", None, "image-to-3D · all views · thinking high"),
        ("m_image_to_3d_1", "image-to-3d", 1, "image-to-3D · 1 view · thinking high"),
        ("m_image_to_3d_4", "image-to-3d", 4, "image-to-3D · 4 views · thinking high"),
    ],
)
def test_each_run_folder_form_is_one_setting_of_one_model(root, folder, task, views, label):
    image = task == "image-to-3d"
    record = log(task="image_to_3d", prompt_type=None, max_images=views) if image else log()
    output(root, folder, record=record)
    report = run_import(path=root)
    assert report.ok and not report.warnings, (report.errors, report.warnings)
    setting = Setting.objects.get(name=folder)
    assert (setting.generator.name, setting.task, setting.values["views"], setting.label) == ("m", task, views, label)
    asset = Asset.objects.get(setting=setting)
    assert asset.prompt.slug == ("chair-seed0-image" if image else "chair-seed0")
    assert asset.generator == setting.generator


def test_without_log_json_only_the_folder_name_is_known(root):
    output(root, "m2_image_to_3d_1")
    assert run_import(path=root).ok
    setting = Setting.objects.get(name="m2_image_to_3d_1")
    assert setting.generator.name == "m2" and setting.values == {"model": "m2", "task": "image-to-3d", "views": 1,
                                                                  "multi_turn": False}  # fmt: skip
    asset = Asset.objects.get(setting=setting)
    assert asset.run_log["has_log"] is False
    assert [(a.number, a.code, a.status) for a in asset.generation_attempts.all()] == [(0, CUBE, "")]


def test_log_json_wins_over_the_folder_name_with_a_warning(root):
    output(root, "renamed_image_to_3d_4", record=log(model="gpt-x", task="image_to_3d", prompt_type=None, max_images=1))
    report = run_import(path=root)
    assert report.ok
    assert [str(w) for w in report.warnings] == [
        "results/renamed_image_to_3d_4: the folder name says model 'renamed', its log.json says 'gpt-x': "
        "log.json is used",
        "results/renamed_image_to_3d_4: the folder name says max_images 4, its log.json says 1: log.json is used",
    ]
    setting = Setting.objects.get(name="renamed_image_to_3d_4")
    assert setting.generator.name == "gpt-x" and setting.values["views"] == 1
    assert not Generator.objects.filter(name="renamed").exists()


def test_a_record_that_disagrees_with_its_run_is_refused(root):
    category(root, "Table")
    output(root, "m", "Chair", record=log())
    output(root, "m", "Table", record=log(instance="Table_seed0", temperature=0.2))
    report = run_import(path=root)
    assert [str(e) for e in report.errors] == [
        "results/m/Table_seed0: log.json says temperature 0.2 where the run's other records say 1.0"
    ]
    assert Asset.objects.filter(setting__name="m").count() == 1


@pytest.mark.parametrize(
    "content, reason",
    [
        ('{"model": "m",', "log.json is malformed JSON (Expecting property name enclosed in double quotes"),
        ("[1, 2]", "log.json must hold a JSON object"),
        (json.dumps(log(input_tokens="many")), "log.json field 'input_tokens' must be an integer, not \"many\""),
        (json.dumps(log(cost_usd=True)), "log.json field 'cost_usd' must be an integer or a number, not true"),
        (json.dumps(log(task="text")), "log.json field 'task' is 'text': expected one of"),
        (json.dumps(log(render_history=[{"attempt": "0"}])), "log.json field 'render_history[0]'.attempt must be"),
        (json.dumps(log(render_history=[5])), "log.json field 'render_history[0]' must be a JSON object"),
        (b'{"model": "\xff"}', "log.json file log.json is not UTF-8 text (byte 11)"),
    ],
)
def test_a_bad_log_json_is_a_precise_error_and_nothing_of_the_record_is_written(root, content, reason):
    category(root, "Table")
    output(root, "m", "Chair", record=content)
    output(root, "m", "Table", record=log(instance="Table_seed0"))
    report = run_import(path=root)
    assert len(report.errors) == 1 and report.errors[0].where == "results/m/Chair_seed0"
    assert report.errors[0].reason.startswith(reason), report.errors[0].reason
    assert list(Asset.objects.filter(setting__name="m").values_list("prompt__slug", flat=True)) == ["table-seed0"]
    assert not GenerationAttempt.objects.filter(asset__prompt__slug="chair-seed0", asset__setting__isnull=False)


def test_an_attempt_file_that_is_not_utf8_refuses_the_record(root):
    output(root, "m", record=log(), Chair_seed0__attempt0__py=b"x = '\xff'\n", Chair_seed0__attempt1__py=CUBE)
    report = run_import(path=root)
    assert [str(e) for e in report.errors] == [
        "results/m/Chair_seed0: Chair_seed0.attempt0.py file Chair_seed0.attempt0.py is not UTF-8 text (byte 5)"
    ]
    assert not Asset.objects.filter(setting__name="m").exists()


# -- attempts and the run's record -------------------------------------------------------------------


def multi_turn_record() -> dict[str, Any]:
    history = [
        {"attempt": 0, "status": "ERR_EXEC", "n_meshes": 0, "error_brief": 'TypeError: keyword "radius"'},
        {"attempt": 1, "status": "OK", "n_meshes": 1, "error_brief": None},
    ]
    return log(render_attempts=2, parse_attempts=2, render_history=history)


def test_it_stores_every_attempt_with_its_status_error_and_thinking(root):
    files = {"Chair_seed0__attempt0__py": BROKEN, "Chair_seed0__attempt1__py": CUBE}
    files |= {"thinking_attempt1__txt": "First plan.", "thinking_attempt2__txt": "Fix the keyword."}
    output(root, "m", record=multi_turn_record(), **files)
    assert run_import(path=root).ok
    asset = Asset.objects.get(setting__name="m")
    attempts = [(a.number, a.code, a.status, a.error, a.n_meshes, a.thinking) for a in asset.generation_attempts.all()]
    assert attempts == [
        (0, BROKEN, "ERR_EXEC", 'TypeError: keyword "radius"', 0, "First plan."),
        (1, CUBE, "OK", "", 1, "Fix the keyword."),
    ]
    assert asset.run_log["input_tokens"] == 100 and asset.run_log["cost_usd"] == 0.01
    assert asset.run_log["render_attempts"] == 2 and asset.run_log["terminal_fail"] is False
    assert Setting.objects.get(name="m").values["multi_turn"] is True


def test_thinking_of_a_run_with_parse_retries_is_kept_by_model_call(root):
    files = {"thinking_attempt1__txt": "Unparseable try.", "thinking_attempt2__txt": "Good try."}
    output(root, "m", record=log(parse_attempts=2), **files)
    assert run_import(path=root).ok
    asset = Asset.objects.get(setting__name="m")
    assert asset.generation_attempts.get().thinking == ""
    assert asset.run_log["thinking_by_call"] == {"1": "Unparseable try.", "2": "Good try."}


def test_the_last_attempt_must_be_the_final_script(root):
    output(root, "m", record=multi_turn_record(), Chair_seed0__attempt0__py=CUBE, Chair_seed0__attempt1__py=BROKEN)
    report = run_import(path=root)
    assert [e.reason for e in report.errors] == [
        "Chair_seed0.attempt1.py differs from Chair_seed0.py: the last attempt is the final script"
    ]


def test_it_records_terminal_fail(root):
    record = log(render_history=[{"attempt": 0, "status": "ERR_NO_MESH", "n_meshes": 0, "error_brief": "no mesh"}])
    output(root, "m", record=record | {"final_render_status": "ERR_NO_MESH"},
           **{"__terminal_fail": "render retries exhausted: 1 attempts, final status=ERR_NO_MESH\n"})  # fmt: skip
    assert run_import(path=root).ok
    run_log = Asset.objects.get(setting__name="m").run_log
    assert run_log["terminal_fail"] is True
    assert run_log["terminal_fail_reason"] == "render retries exhausted: 1 attempts, final status=ERR_NO_MESH"


# -- prompts, images, families ---------------------------------------------------------------------


def test_an_instance_with_images_gets_an_image_prompt_with_every_view_in_order(root):
    category(root, "Table")
    assert run_import(path=root).ok
    image = Prompt.objects.get(slug="chair-seed0-image")
    assert image.task == "image-to-3d" and image.instance == "Chair_seed0" and image.category == "Chair"
    names = [Path(n).name for n in image.reference_images]
    assert names == ["Image_005.png", "Image_015.png", "Image_025.png", "Image_035.png"]
    assert image.reference_image.name == image.reference_images[0]
    assert Asset.objects.filter(prompt=image, is_reference=True).get().source_code == CUBE
    assert not Prompt.objects.filter(slug="table-seed0-image").exists()


def test_the_asset_page_shows_the_instruction_when_the_run_was_given_it(root, admin_client):
    output(root, "m", record=log(prompt_type="instruction"))
    assert run_import(path=root).ok
    asset = Asset.objects.get(setting__name="m")
    page = admin_client.get(f"/renders/asset/{asset.public_id}/").content.decode()
    assert "Prompt given (instruction)" in page and "Build a chair step by step." in page
    assert "text-to-3D · instruction · thinking high" in page


def test_families_come_from_the_shipped_mapping_and_unmapped_ones_are_reported(root, capsys):
    category(root, "Zzyzx")
    call_command("arena_import", str(root), verbosity=1)
    out = capsys.readouterr().out
    assert "warning: no family for 2 category(ies): Chair, Zzyzx" in out
    category(root, "ArmChair")
    call_command("arena_import", str(root), verbosity=1)
    assert Prompt.objects.get(slug="armchair-seed0").family == "manufactured"


def test_an_operator_file_overrides_the_shipped_families(root, tmp_path):
    category(root, "ArmChair")
    (root / "families.csv").write_text("category,family\nChair,manufactured\n")
    override = tmp_path / "mine.json"
    override.write_text(json.dumps({"ArmChair": "architectural"}))
    report = run_import(path=root, families=override)
    assert report.ok and not report.unmapped
    families = dict(Prompt.objects.values_list("slug", "family"))
    assert families == {"chair-seed0": "manufactured", "chair-seed0-image": "manufactured",
                        "armchair-seed0": "architectural"}  # fmt: skip


def test_the_shipped_mapping_names_only_the_three_families():
    mapping = json.loads((Path(__file__).resolve().parents[2] / "arena" / "data" / "families.json").read_text())
    assert set(mapping.values()) == {"organic", "manufactured", "architectural"}
    assert mapping["BrainCoral"] == "organic" and mapping["CurvedStaircase"] == "architectural"
    assert len(mapping) == 212  # every category of the benchmark
    assert mapping["SpatulaOnHookBase"] == "manufactured" and mapping["ReedEarMonocot"] == "organic"


# -- idempotency -----------------------------------------------------------------------------------


def snapshot() -> list[Any]:
    assets = Asset.objects.order_by("id").values_list("id", "public_id", "source_sha256", "status", "run_log")
    attempts = GenerationAttempt.objects.order_by("id").values_list("id", "number", "status")
    prompts = Prompt.objects.order_by("id").values_list("id", "reference_images", "family")
    return [list(assets), list(attempts), list(prompts), list(Setting.objects.values_list("id", "values", "label"))]


def test_a_second_import_changes_nothing_and_says_so(root, capsys):
    output(root, "m", record=multi_turn_record(), Chair_seed0__attempt0__py=BROKEN, Chair_seed0__attempt1__py=CUBE)
    call_command("arena_import", str(root), verbosity=1)
    before = snapshot()
    capsys.readouterr()
    call_command("arena_import", str(root), verbosity=1)
    assert "Nothing changed: everything was already imported." in capsys.readouterr().out
    assert snapshot() == before


# -- the shared sample of the real release ------------------------------------------------------------


@pytest.fixture
def sample(media_root: Path) -> Path:
    if not SAMPLE.is_dir():
        pytest.skip(f"the shared release sample is not here ({SAMPLE}): only a checkout beside /work/shared has it")
    return SAMPLE


def test_the_sample_release_imports_as_its_runner_wrote_it(sample):
    report = run_import(path=sample)
    assert report.ok, report.errors
    assert Prompt.objects.filter(task="text-to-3d").count() == 24
    images = Prompt.objects.filter(task="image-to-3d")
    assert images.count() == 8 and all(len(p.reference_images) == 4 for p in images)
    for model in ("model-alpha", "model-beta"):
        settings = Setting.objects.filter(generator__name=model).order_by("name")
        assert [(s.task, s.values["views"]) for s in settings] == [("text-to-3d", None), ("image-to-3d", 4)]
    assert Generator.objects.count() == 2
    multi = Asset.objects.get(setting__name="model-beta", prompt__slug="auger-seed0")
    assert [(a.number, a.status) for a in multi.generation_attempts.all()] == [(0, "ERR_EXEC"), (1, "OK")]
    assert multi.run_log["render_attempts"] == 2 and multi.run_log["total_tokens"] == 14100
    assert not Asset.objects.filter(setting__name="model-beta", prompt__slug="countertop-seed0").exists()
    assert Prompt.objects.get(slug="auger-seed0").family == "organic"


def test_a_second_import_of_the_sample_changes_nothing(sample):
    assert run_import(path=sample).ok
    before = snapshot()
    report = run_import(path=sample)
    assert report.created == report.updated == 0 and report.new_assets == []
    assert snapshot() == before


def test_the_command_takes_an_operator_families_file_and_names_a_bad_line(root, tmp_path):
    from django.core.management import CommandError

    mine = tmp_path / "families.csv"
    mine.write_text("category,family\nChair,architectural\n")
    call_command("arena_import", str(root), "--families", str(mine), verbosity=0)
    assert Prompt.objects.get(slug="chair-seed0").family == "architectural"
    mine.write_text("category,family\nChair,furniture\n")
    with pytest.raises(CommandError, match=r"families.csv:2: family 'furniture' must be one of"):
        call_command("arena_import", str(root), "--families", str(mine), verbosity=0)


def test_a_record_whose_answer_never_parsed_is_a_warning_not_an_error(root):
    folder = output(root, "m", record=log(status="ERR_PARSE", error="empty response", render_history=[]))
    (folder / "Chair_seed0.py").unlink()
    report = run_import(path=root)
    assert report.ok
    assert [str(w) for w in report.warnings] == [
        "results/m/Chair_seed0: no Chair_seed0.py: the run recorded ERR_PARSE: empty response; nothing imported"
    ]
    assert not Asset.objects.filter(setting__name="m").exists()
