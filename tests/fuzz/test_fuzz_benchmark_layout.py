"""Bad input to the reference benchmark's release layout (categories/, results/)."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from arena.importers import Record, RecordError
from arena.models import Asset, Prompt
from arena.services import run_import
from tests.fuzz.conftest import CHAIR, LAMP, SECRET, db_state, sparse

pytestmark = pytest.mark.django_db

MODELS = ("model-x", "model-y")
FULL = {
    "generators": set(MODELS),
    "prompts": {"chair-seed0", "table-seed0"},
    "references": {"chair-seed0", "table-seed0"},
    "outputs": {(m, p) for m in MODELS for p in ("chair-seed0", "table-seed0")},
}


@pytest.fixture
def release(tmp_path: Path, media_root: Path) -> Path:
    """Two categories, each with its reference script, and two models' outputs for both."""
    root = tmp_path / "release"
    for category in ("Chair", "Table"):
        folder = root / "categories" / f"{category}_seed0"
        folder.mkdir(parents=True)
        (folder / "prompt_description.txt").write_text(f"A {category.lower()}.")
        (folder / "prompt_instruction.txt").write_text(f"Build a {category.lower()}.")
        (folder / f"{category}_seed0.py").write_text(CHAIR)
        for model in MODELS:
            out = root / "results" / model / f"{category}_seed0"
            out.mkdir(parents=True)
            (out / f"{category}_seed0.py").write_text(LAMP)
    return root


def errors_of(report: Any) -> list[str]:
    return [str(e) for e in report.errors]


def without(state: dict[str, set[Any]], **gone: set[Any]) -> dict[str, set[Any]]:
    return {key: value - gone.get(key, set()) for key, value in state.items()}


# -- symlinks must not lead outside the release -----------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "categories/Chair_seed0/Chair_seed0.py",
        "categories/Chair_seed0/prompt_description.txt",
        "categories/Chair_seed0/prompt_instruction.txt",
    ],
)
def test_it_refuses_a_category_file_that_links_outside(release: Path, outside: Path, link: str) -> None:
    (release / link).unlink()
    (release / link).symlink_to(outside / "secret.py")
    report = run_import(path=release)
    assert errors_of(report) == [
        f"categories/Chair_seed0: {link} points outside the release folder",
        "results/model-x/Chair_seed0: unknown prompt 'chair-seed0' (not in prompts.jsonl nor already imported)",
        "results/model-y/Chair_seed0: unknown prompt 'chair-seed0' (not in prompts.jsonl nor already imported)",
    ]
    # The chair prompt is absent with its reference and outputs; nothing holds the secret.
    assert db_state() == without(FULL, prompts={"chair-seed0"}, references={"chair-seed0"},
                                 outputs={(m, "chair-seed0") for m in MODELS})  # fmt: skip
    assert not Prompt.objects.filter(text__contains="secret").exists()
    assert not Asset.objects.filter(source_code=SECRET).exists()


def test_it_refuses_an_output_script_that_links_outside(release: Path, outside: Path) -> None:
    script = release / "results" / "model-x" / "Table_seed0" / "Table_seed0.py"
    script.unlink()
    script.symlink_to(outside / "secret.py")
    report = run_import(path=release)
    assert errors_of(report) == [
        "results/model-x/Table_seed0: results/model-x/Table_seed0/Table_seed0.py points outside the release folder"
    ]
    assert db_state() == without(FULL, outputs={("model-x", "table-seed0")})


def test_it_refuses_a_category_folder_that_links_outside(release: Path, outside: Path) -> None:
    (outside / "prompt_description.txt").write_text(SECRET)
    (release / "categories" / "Sofa_seed0").symlink_to(outside, target_is_directory=True)
    report = run_import(path=release)
    assert errors_of(report) == [
        "categories/Sofa_seed0: categories/Sofa_seed0/prompt_description.txt points outside the release folder"
    ]
    assert db_state() == FULL


def test_it_follows_a_symlink_that_stays_inside(release: Path) -> None:
    script = release / "results" / "model-y" / "Chair_seed0" / "Chair_seed0.py"
    script.unlink()
    script.symlink_to(release / "categories" / "Chair_seed0" / "Chair_seed0.py")
    report = run_import(path=release)
    assert report.ok, report.errors
    assert Asset.objects.get(generator__name="model-y", prompt__slug="chair-seed0").source_code == CHAIR


# -- bad files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("prompt_description.txt", "Une chaise à bascule.".encode("latin-1"),
         "prompt_description.txt file prompt_description.txt is not UTF-8 text (byte 11)"),
        ("prompt_description.txt", "A chair.".encode("utf-16"), "is not UTF-8 text (byte 0)"),
        ("prompt_description.txt", b" \r\n\t ", "prompt_description.txt is empty"),
        ("prompt_description.txt", b"\xef\xbb\xbf", "prompt_description.txt is empty"),
        ("prompt_description.txt", b"A\x00chair", "contains NUL bytes"),
        ("prompt_instruction.txt", b"\xff\xfe\x00", "prompt_instruction.txt is not UTF-8 text (byte 0)"),
        ("Chair_seed0.py", b"import bpy\x00", "Chair_seed0.py file Chair_seed0.py contains NUL bytes"),
        ("Chair_seed0.py", 2 * 1024 * 1024, "is 2097152 bytes, over the 1048576-byte limit"),
        ("prompt_instruction.txt", 1024 * 1024 + 1, "is 1048577 bytes, over the 1048576-byte limit"),
    ],
)  # fmt: skip
def test_it_refuses_a_category_with_a_bad_file(release: Path, name: str, content: Any, reason: str) -> None:
    path = release / "categories" / "Chair_seed0" / name
    if isinstance(content, int):
        sparse(path, content)
    else:
        path.write_bytes(content)
    report = run_import(path=release)
    assert errors_of(report)[0] == f"categories/Chair_seed0: {report.errors[0].reason}"
    assert reason in report.errors[0].reason
    assert [e.where for e in report.errors[1:]] == ["results/model-x/Chair_seed0", "results/model-y/Chair_seed0"]
    assert db_state() == without(FULL, prompts={"chair-seed0"}, references={"chair-seed0"},
                                 outputs={(m, "chair-seed0") for m in MODELS})  # fmt: skip


def test_it_reports_a_missing_description_and_a_directory_in_place_of_a_file(release: Path) -> None:
    (release / "categories" / "Chair_seed0" / "prompt_description.txt").unlink()
    script = release / "results" / "model-y" / "Table_seed0" / "Table_seed0.py"
    script.unlink()
    script.mkdir()
    report = run_import(path=release)
    assert errors_of(report) == [
        "categories/Chair_seed0: prompt_description.txt is missing",
        "results/model-x/Chair_seed0: unknown prompt 'chair-seed0' (not in prompts.jsonl nor already imported)",
        "results/model-y/Chair_seed0: unknown prompt 'chair-seed0' (not in prompts.jsonl nor already imported)",
        "results/model-y/Table_seed0: Table_seed0.py is missing",
    ]
    assert db_state()["outputs"] == {("model-x", "table-seed0")}


def test_it_strips_a_bom_and_crlf_from_the_texts(release: Path) -> None:
    folder = release / "categories" / "Chair_seed0"
    (folder / "prompt_description.txt").write_bytes(b"\xef\xbb\xbfA chair.\r\n")
    (folder / "prompt_instruction.txt").write_bytes(b"\xef\xbb\xbfFour legs.\r\nA back.\r\n")
    assert run_import(path=release).ok
    chair = Prompt.objects.get(slug="chair-seed0")
    assert (chair.text, chair.instruction) == ("A chair.", "Four legs.\r\nA back.")


def test_it_refuses_badly_named_folders_and_ignores_stray_files(release: Path) -> None:
    (release / "categories" / "Chair").mkdir()
    (release / "categories" / f"{'C' * 101}_seed0").mkdir()
    (release / "categories" / "README.md").write_text("not a category")
    (release / "results" / "model-x" / "notes.txt").write_text("not an output")
    (release / "results" / ("m" * 201)).mkdir()
    (release / "results" / "model-y" / "Sofa_seed0").mkdir()
    (release / "results" / "model-y" / "Sofa_seed0" / "Sofa_seed0.py").write_text(LAMP)
    report = run_import(path=release)
    assert errors_of(report) == [
        f"categories/{'C' * 101}_seed0: the category name is longer than 100 characters",
        "categories/Chair: folder name must look like <Category>_seed<N>",
        f"results/{'m' * 201}: the run folder's name is longer than 200 characters",
        "results/model-y/Sofa_seed0: unknown prompt 'sofa-seed0' (not in prompts.jsonl nor already imported)",
    ]
    assert db_state() == FULL


def test_it_refuses_two_folders_with_the_same_slug(release: Path) -> None:
    # Both give the slug chair-seed0: the second would silently replace the first.
    folder = release / "categories" / "chair_seed0"
    folder.mkdir()
    (folder / "prompt_description.txt").write_text("Another chair.")
    report = run_import(path=release)
    assert errors_of(report) == [
        "categories/chair_seed0: duplicate slug 'chair-seed0': already given at categories/Chair_seed0"
    ]
    assert Prompt.objects.get(slug="chair-seed0").text == "A chair."


def test_it_imports_nothing_from_empty_folders(tmp_path: Path, media_root: Path) -> None:
    root = tmp_path / "release"
    (root / "categories").mkdir(parents=True)
    (root / "results").mkdir()
    report = run_import(path=root)
    assert report.ok and report.created == 0
    assert db_state() == {"generators": set(), "prompts": set(), "references": set(), "outputs": set()}


# -- property style: random releases with random damage ---------------------------------

DAMAGE = ["missing", "latin-1", "utf-16", "nul", "empty", "oversize", "outside", "directory", "inside-link", "fine"]


def damage(path: Path, kind: str, outside: Path, rng: random.Random) -> None:
    """Break one file of the release in one of the ways an import must survive."""
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "missing":
        return
    if kind == "latin-1":
        path.write_bytes("Fauteuil à bascule ".encode("latin-1"))
    elif kind == "utf-16":
        path.write_bytes("A chair".encode("utf-16"))
    elif kind == "nul":
        path.write_bytes(b"A \x00 chair")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "oversize":
        sparse(path, 1024 * 1024 + rng.randint(1, 10**7))
    elif kind == "outside":
        path.symlink_to(outside / "secret.py")
    elif kind == "directory":
        path.mkdir()
    elif kind == "inside-link":
        (path.parent / "target.txt").write_text("A linked chair.")
        path.symlink_to(path.parent / "target.txt")
    else:
        path.write_text(f"A {path.parent.name}.\n")


@pytest.mark.parametrize("seed", range(6))
def test_it_survives_random_damage_to_a_release(release: Path, outside: Path, seed: int) -> None:
    rng = random.Random(seed)
    files = sorted(p for p in release.rglob("*") if p.is_file())
    damaged = {path: rng.choice(DAMAGE) for path in rng.sample(files, k=rng.randint(1, len(files)))}
    damaged[rng.choice(files)] = "outside"  # at least one link leading out in every release
    for path, kind in damaged.items():
        damage(path, kind, outside, rng)
    seen: list[Record] = []
    report = run_import(path=release, on_record=seen.append)  # must never raise
    for error in report.errors:
        assert re.fullmatch(r"(categories|results/model-[xy])/\w+_seed0", error.where), error
        assert error.reason.strip()
    refused = {e.where for e in report.errors}
    # Each folder holding a link that leads out is refused (every file of this release is read).
    assert {str(path.parent.relative_to(release)) for path, kind in damaged.items() if kind == "outside"} <= refused
    imported = [r for r in seen if not isinstance(r, RecordError) and r.where not in refused]
    assert len(imported) + len(refused) == len(seen) == report.created + len(report.errors)
    state = db_state()
    assert state["prompts"] == {r.slug for r in imported if hasattr(r, "slug")}
    assert state["references"] == {r.slug for r in imported if getattr(r, "reference_code", "")}
    assert state["outputs"] == {(r.generator, r.prompt) for r in imported if hasattr(r, "code")}
    assert not Prompt.objects.filter(text__contains="secret").exists()
    assert not Prompt.objects.filter(instruction__contains="secret").exists()
    assert not Asset.objects.filter(source_code=SECRET).exists()
