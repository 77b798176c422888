from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from arena.models import Asset, Generator, Prompt, Status
from arena.services import run_import

pytestmark = pytest.mark.django_db

CHAIR = "import bpy\nbpy.ops.mesh.primitive_cube_add(size=1)\n"
LAMP = "import bpy\nbpy.ops.mesh.primitive_uv_sphere_add(radius=0.3)\n"


def write_jsonl(path: Path, rows: list) -> None:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")


@pytest.fixture
def manifest(tmp_path: Path, media_root) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "run"
    (root / "code").mkdir(parents=True)
    (root / "code" / "chair.py").write_text(CHAIR)
    (root / "code" / "lamp.py").write_text(LAMP)
    (root / "ref.py").write_text(CHAIR)
    (root / "lamp.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    write_jsonl(root / "generators.jsonl", [{"name": "m1", "provider": "P", "metadata": {"setting": "single-turn"}}])
    write_jsonl(
        root / "prompts.jsonl",
        [
            {
                "slug": "chair",
                "task": "text-to-3d",
                "category": "manufactured",
                "text": "A chair",
                "reference_script": "ref.py",
            },
            {
                "slug": "lamp",
                "task": "image-to-3d",
                "category": "manufactured",
                "text": "A lamp",
                "reference_image": "lamp.png",
            },
        ],
    )
    write_jsonl(
        root / "outputs.jsonl",
        [
            {"generator": "m1", "prompt": "chair", "code": "code/chair.py"},
            {"generator": "m2", "prompt": "lamp", "code": "code/lamp.py"},
        ],
    )
    return root


def test_it_imports_prompts_generators_references_and_outputs(manifest):
    report = run_import(path=manifest)
    assert report.ok, report.errors
    assert set(Prompt.objects.values_list("slug", flat=True)) == {"chair", "lamp"}
    assert Generator.objects.get(name="m1").metadata == {"setting": "single-turn"}
    assert Asset.objects.filter(is_reference=True).count() == 1
    chair = Asset.objects.get(generator__name="m1")
    assert chair.source_code == CHAIR and chair.status == Status.PENDING
    assert Prompt.objects.get(slug="lamp").reference_image.name.endswith(".png")
    assert len(report.new_assets) == 3


def test_it_changes_nothing_when_imported_twice(manifest):
    run_import(path=manifest)
    before = list(Asset.objects.values_list("id", "public_id", "source_sha256", "status"))
    report = run_import(path=manifest)
    assert report.created == report.updated == 0 and report.new_assets == []
    assert list(Asset.objects.values_list("id", "public_id", "source_sha256", "status")) == before


def test_it_resets_an_asset_whose_code_changed(manifest):
    run_import(path=manifest)
    Asset.objects.update(status=Status.OK)
    (manifest / "code" / "chair.py").write_text(CHAIR + "# v2\n")
    report = run_import(path=manifest)
    chair = Asset.objects.get(generator__name="m1")
    assert chair.status == Status.PENDING and chair.source_code.endswith("# v2\n")
    assert report.new_assets == [chair.id]


@pytest.mark.parametrize(
    "row, reason",
    [
        ('{"generator": "m1", "prompt": "chair"', "malformed JSON"),
        ('["not", "an", "object"]', "must be a JSON object"),
        ({"generator": "m1", "prompt": "nope", "code": "code/chair.py"}, "unknown prompt 'nope'"),
        ({"generator": "m1", "prompt": "chair", "code": "code/missing.py"}, "does not exist"),
        ({"generator": "m1", "prompt": "chair", "code": "../../etc/passwd"}, "outside the manifest folder"),
        ({"generator": "m1", "prompt": "chair", "code": "/etc/passwd"}, "must be relative"),
        ({"generator": "m1", "prompt": "chair"}, "needs 'code'"),
        ({"generator": "", "prompt": "chair", "code": "code/chair.py"}, "'generator' is missing"),
        ({"generator": "m1", "prompt": "chair", "mesh": "code/chair.py"}, "unsupported type"),
    ],
)
def test_it_reports_a_bad_output_line_and_imports_the_good_ones(manifest, row, reason):
    good = {"generator": "m3", "prompt": "chair", "code": "code/chair.py"}
    write_jsonl(manifest / "outputs.jsonl", [good, row])
    report = run_import(path=manifest)
    assert [str(e) for e in report.errors] == [f"outputs.jsonl:2: {e.reason}" for e in report.errors]
    assert len(report.errors) == 1 and reason in report.errors[0].reason
    assert Asset.objects.filter(generator__name="m3").exists()


def test_it_reports_a_file_that_is_not_utf8(manifest):
    (manifest / "code" / "chair.py").write_bytes(b"x = '\xff\xfe'\n")
    report = run_import(path=manifest)
    assert any("not UTF-8" in e.reason and e.where == "outputs.jsonl:1" for e in report.errors)


def test_it_requires_a_reference_image_for_image_prompts(manifest):
    write_jsonl(manifest / "prompts.jsonl", [{"slug": "vase", "task": "image-to-3d", "text": "A vase"}])
    report = run_import(path=manifest)
    assert any("needs a 'reference_image'" in e.reason for e in report.errors)
    assert not Prompt.objects.filter(slug="vase").exists()


def test_it_rejects_a_bad_slug_with_a_suggestion(manifest):
    write_jsonl(manifest / "prompts.jsonl", [{"slug": "Big Chair", "text": "A chair"}])
    report = run_import(path=manifest)
    assert "try 'big-chair'" in report.errors[0].reason


def test_it_leaves_nothing_half_written_when_a_record_fails_midway(manifest, monkeypatch):
    from arena import services

    def broken_asset_upsert(**kwargs):
        raise services.BadRecord("storage refused the file")

    monkeypatch.setattr(services, "asset_upsert", broken_asset_upsert)
    report = run_import(path=manifest)
    # The chair prompt's reference failed, so the chair prompt itself was rolled back.
    assert any(e.where == "prompts.jsonl:1" for e in report.errors)
    assert not Prompt.objects.filter(slug="chair").exists()
    assert Prompt.objects.filter(slug="lamp").exists()


def test_the_command_reports_errors_and_fails(manifest, capsys):
    write_jsonl(manifest / "outputs.jsonl", ['{"broken'])
    with pytest.raises(CommandError, match="1 record"):
        call_command("arena_import", str(manifest), verbosity=0)
    assert "outputs.jsonl:1: malformed JSON" in capsys.readouterr().err


def test_the_command_refuses_a_folder_with_no_known_layout(tmp_path):
    with pytest.raises(CommandError, match="no prompts.jsonl"):
        call_command("arena_import", str(tmp_path), verbosity=0)


def make_benchmark(root: Path) -> Path:
    for category in ("Chair", "Table"):
        folder = root / "categories" / f"{category}_seed0"
        folder.mkdir(parents=True)
        (folder / "prompt_description.txt").write_text(f"A {category.lower()}.")
        (folder / "prompt_instruction.txt").write_text(f"Build a {category.lower()} with four legs.")
        (folder / f"{category}_seed0.py").write_text(CHAIR)
        for model in ("model-x", "model-y"):
            out = root / "results" / model / f"{category}_seed0"
            out.mkdir(parents=True)
            (out / f"{category}_seed0.py").write_text(LAMP)
    return root


def test_it_imports_the_benchmark_release_layout(tmp_path, media_root):
    root = make_benchmark(tmp_path / "release")
    report = run_import(path=root)
    assert report.ok, report.errors
    chair = Prompt.objects.get(slug="chair-seed0")
    assert chair.category == "Chair" and chair.text == "A chair." and "four legs" in chair.instruction
    assert Asset.objects.filter(is_reference=True).count() == 2
    assert Asset.objects.filter(generator__name="model-y", prompt=chair).get().source_code == LAMP
    assert run_import(path=root).new_assets == []


def test_it_reports_a_benchmark_output_without_its_script(tmp_path, media_root):
    root = make_benchmark(tmp_path / "release")
    (root / "results" / "model-x" / "Chair_seed0" / "Chair_seed0.py").unlink()
    report = run_import(path=root)
    assert [str(e) for e in report.errors] == ["results/model-x/Chair_seed0: Chair_seed0.py is missing"]
    assert Asset.objects.filter(generator__name="model-x").count() == 1
