"""Bad input to the manifest importer (prompts.jsonl, outputs.jsonl, generators.jsonl).

Every case starts from the valid manifest of conftest.py and breaks one
thing; the broken record must be refused with its `file:line` and reason,
the good records of the same run imported, and nothing else written.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from arena.importers import OutputRecord, PromptRecord, Record, RecordError
from arena.models import Asset, Generator, Prompt
from arena.services import run_import
from tests.fuzz.conftest import CHAIR, LAMP, SECRET, db_state, sparse, write_jsonl

pytestmark = pytest.mark.django_db

GOOD = {"generator": "m1", "prompt": "chair", "code": "code/chair.py"}
GOOD_PROMPT = {"slug": "chair", "text": "A chair", "reference_script": "ref.py"}
CLEAN = {"generators": {"m1"}, "prompts": {"chair"}, "references": {"chair"}, "outputs": {("m1", "chair")}}


@pytest.fixture
def broken(manifest: Path, outside: Path) -> Path:
    """The manifest folder, plus every kind of bad file a record may name."""
    sparse(manifest / "big.py", 2 * 1024 * 1024)  # a 2 MB script: over the 1 MB limit
    (manifest / "nul.py").write_bytes(b"import bpy\x00\n")
    (manifest / "latin1.py").write_bytes("# café\n".encode("latin-1"))
    (manifest / "utf16.py").write_bytes(CHAIR.encode("utf-16"))  # with its BOM
    (manifest / "empty.glb").write_bytes(b"")
    sparse(manifest / "huge.glb", 100 * 1024 * 1024 + 1)  # one byte over the 100 MB limit
    sparse(manifest / "big.png", 10 * 1024 * 1024 + 1)
    (manifest / "bomb.zip").write_bytes(b"PK\x03\x04" + bytes(26))
    (manifest / "model.tar.gz").write_bytes(b"\x1f\x8b" + bytes(20))
    (manifest / "model.glb.zip").write_bytes(b"PK\x03\x04" + bytes(26))
    (manifest / "zip_as.glb").symlink_to("bomb.zip")  # inside the folder, but an archive all the same
    (manifest / "escape.py").symlink_to(outside / "secret.py")
    (manifest / "escape.glb").symlink_to(outside / "secret.glb")
    (manifest / "escape.png").symlink_to(outside / "secret.glb")
    (manifest / "escape_dir").symlink_to(outside, target_is_directory=True)
    (manifest / "loop.py").symlink_to("loop.py")
    (manifest / "dangling.py").symlink_to(manifest / "gone.py")
    return manifest


def import_outputs(root: Path, bad: Any) -> Any:
    """Import a good output line followed by `bad` (a row or a raw line)."""
    write_jsonl(root / "outputs.jsonl", [GOOD, bad])
    return run_import(path=root)


@pytest.mark.parametrize(
    "row, reason",
    [
        ({"generator": "m3", "prompt": "chair", "code": "big.py"},
         "code file big.py is 2097152 bytes, over the 1048576-byte limit"),
        ({"generator": "m3", "prompt": "chair", "code": "nul.py"}, "code file nul.py contains NUL bytes"),
        ({"generator": "m3", "prompt": "chair", "code": "latin1.py"}, "code file latin1.py is not UTF-8 text (byte 5)"),
        ({"generator": "m3", "prompt": "chair", "code": "utf16.py"}, "code file utf16.py is not UTF-8 text (byte 0)"),
        ({"generator": "m3", "prompt": "chair", "code": "escape.py"},
         "'code' path 'escape.py' points outside the manifest folder"),
        ({"generator": "m3", "prompt": "chair", "code": "escape_dir/secret.py"}, "points outside the manifest folder"),
        ({"generator": "m3", "prompt": "chair", "code": "code/../../outside/secret.py"}, "points outside"),
        ({"generator": "m3", "prompt": "chair", "code": "loop.py"}, "'code' path 'loop.py' cannot be resolved"),
        ({"generator": "m3", "prompt": "chair", "code": "dangling.py"}, "'code' file 'dangling.py' does not exist"),
        ({"generator": "m3", "prompt": "chair", "code": "x" * 300 + ".py"}, "cannot be resolved (File name too long)"),
        ({"generator": "m3", "prompt": "chair", "code": "code"}, "'code' file 'code' does not exist"),
        ({"generator": "m3", "prompt": "chair", "code": "code/chair.py\u0000.png"}, "contains a NUL character"),
        ({"generator": "m3", "prompt": "chair", "code": "code/\ud800.py"}, "contains a lone surrogate"),
        ({"generator": "m3", "prompt": "chair", "code": 42}, "'code' must be a non-empty relative path"),
        ({"generator": "m3", "prompt": "chair", "code": ["code/chair.py"]}, "'code' must be a non-empty relative"),
        ({"generator": "m3", "prompt": "chair", "code": "", "mesh": ""}, "an output needs 'code'"),
        ({"generator": "m3", "prompt": "chair", "code": "code/chair.py", "mesh": "zip_as.glb"}, "either 'code' or"),
        ({"generator": 42, "prompt": "chair", "code": "code/chair.py"}, "'generator' must be a string"),
        ({"generator": "m\u0000", "prompt": "chair", "code": "code/chair.py"}, "'generator' contains a NUL"),
        ({"generator": "m\ud800", "prompt": "chair", "code": "code/chair.py"}, "'generator' contains a lone surrogate"),
        ({"generator": "m3", "prompt": ["chair"], "code": "code/chair.py"}, "'prompt' must be a string"),
        ({"generator": "m3", "prompt": "chair", "mesh": "empty.glb"}, "mesh file empty.glb is empty"),
        ({"generator": "m3", "prompt": "chair", "mesh": "huge.glb"},
         "mesh file huge.glb is 104857601 bytes, over the 104857600-byte limit"),
        ({"generator": "m3", "prompt": "chair", "mesh": "bomb.zip"}, "mesh file bomb.zip has an unsupported type"),
        ({"generator": "m3", "prompt": "chair", "mesh": "model.tar.gz"}, "model.tar.gz has an unsupported type"),
        ({"generator": "m3", "prompt": "chair", "mesh": "model.glb.zip"}, "model.glb.zip has an unsupported type"),
        ({"generator": "m3", "prompt": "chair", "mesh": "zip_as.glb"}, "bomb.zip has an unsupported type"),
        ({"generator": "m3", "prompt": "chair", "mesh": "escape.glb"}, "points outside the manifest folder"),
        ({"generator": "x" * 3_000_000, "prompt": "chair", "code": "a.py"}, "'generator' is longer than 200"),
        ('{"generator": "m\x003", "prompt": "chair", "code": "code/chair.py"}', "malformed JSON (Invalid control"),
        ('{"generator": NaN, "prompt": "chair", "code": "code/chair.py"}', "malformed JSON (NaN is not a JSON"),
        ('{"generator": "m3", "prompt": -Infinity}', "malformed JSON (-Infinity is not a JSON value)"),
        ("[" * 100_000 + "]" * 100_000, "malformed JSON (nested too deeply)"),
        ('{"generator": ' + "9" * 5000 + "}", "malformed JSON (Exceeds the limit (4300 digits)"),
        ("42", "each line must be a JSON object"),
        ('"code/chair.py"', "each line must be a JSON object"),
        ("null", "each line must be a JSON object"),
        ("{}", "'generator' is missing"),
        ("\x00", "malformed JSON"),
    ],
)  # fmt: skip
def test_it_refuses_a_bad_output_line_and_imports_the_good_one(broken: Path, row: Any, reason: str) -> None:
    report = import_outputs(broken, row)
    assert [str(e) for e in report.errors] == [f"outputs.jsonl:2: {report.errors[0].reason}"]
    assert reason in report.errors[0].reason
    assert db_state() == CLEAN  # no Asset (nor generator m3) for the refused output
    assert not Asset.objects.filter(source_code__contains="secret").exists()


@pytest.mark.parametrize(
    "row, reason",
    [
        ({"slug": "vase", "text": "A vase", "reference_script": "missing.py"}, "'reference_script' file 'missing.py'"),
        ({"slug": "vase", "text": "A vase", "reference_script": "big.py"}, "over the 1048576-byte limit"),
        ({"slug": "vase", "text": "A vase", "reference_script": "escape.py"}, "points outside the manifest folder"),
        ({"slug": "vase", "text": "A vase", "reference_mesh": "bomb.zip"}, "reference_mesh file bomb.zip has an unsup"),
        ({"slug": "vase", "text": "A vase", "reference_mesh": "huge.glb"}, "over the 104857600-byte limit"),
        ({"slug": "vase", "text": "A vase", "reference_script": "ref.py", "reference_mesh": "zip_as.glb"},
         "give either 'reference_script' or 'reference_mesh', not both"),
        ({"slug": "vase", "text": "A vase", "task": "image-to-3d", "reference_image": "big.png"},
         "reference_image file big.png is 10485761 bytes, over the 10485760-byte limit"),
        ({"slug": "vase", "text": "A vase", "task": "image-to-3d", "reference_image": "bomb.zip"}, "unsupported type"),
        ({"slug": "vase", "text": "A vase", "task": "image-to-3d", "reference_image": "escape.png"}, "points outside"),
        ({"slug": "vase", "text": "A vase", "task": "sketch-to-3d"}, "'task' 'sketch-to-3d' must be one of"),
        ({"slug": "vase", "text": "A vase", "task": 3}, "'task' must be a string"),
        ({"slug": "../etc", "text": "A vase"}, "'slug' '../etc' must be lowercase letters, digits and hyphens"),
        ({"slug": "Vase", "text": "A vase"}, "(try 'vase')"),
        ({"slug": 5, "text": "A vase"}, "'slug' must be a string"),
        ({"slug": "vase", "text": ["A vase"]}, "'text' must be a string"),
        ({"slug": "vase", "text": "   "}, "'text' is missing"),
        ({"slug": "vase", "text": "A \u0000vase"}, "'text' contains a NUL character"),
        ({"slug": "vase", "text": "v" * 3_000_000}, "'text' is longer than 20000 characters"),
        ({"slug": "vase", "text": "A vase", "category": {"a": 1}}, "'category' must be a string"),
    ],
)  # fmt: skip
def test_it_refuses_a_bad_prompt_line_and_writes_nothing_of_it(broken: Path, row: Any, reason: str) -> None:
    write_jsonl(broken / "prompts.jsonl", [GOOD_PROMPT, row])
    report = run_import(path=broken)
    assert [str(e) for e in report.errors] == [f"prompts.jsonl:2: {report.errors[0].reason}"]
    assert reason in report.errors[0].reason
    # No Prompt without its reference: the vase is absent, and so is any reference asset of it.
    assert db_state() == {**CLEAN, "outputs": {("m1", "chair"), ("m2", "chair")}, "generators": {"m1", "m2"}}


@pytest.mark.parametrize(
    "row, reason",
    [
        ({"name": "g2", "metadata": [1, 2]}, "'metadata' must be a JSON object"),
        ({"name": "g2", "metadata": []}, "'metadata' must be a JSON object"),
        ({"name": "g2", "metadata": "single-turn"}, "'metadata' must be a JSON object"),
        ({"name": "g2", "metadata": {"note": "a\u0000b"}}, "'metadata' contains a NUL character"),
        ({"name": "g2", "metadata": {"note": "\udfff"}}, "'metadata' contains a lone surrogate"),
        ({"name": 7}, "'name' must be a string"),
        ({"name": "g2", "provider": {"x": 1}}, "'provider' must be a string"),
        ({"name": "g2", "version": "v" * 101}, "'version' is longer than 100 characters"),
        ({"provider": "P"}, "'name' is missing"),
        ({"name": "g2", "metadata": json.loads('{"a": ' * 150 + "1" + "}" * 150)}, "nested more than 100 levels"),
    ],
)
def test_it_refuses_a_bad_generator_line(broken: Path, row: Any, reason: str) -> None:
    write_jsonl(broken / "generators.jsonl", [row, {"name": "m1", "metadata": {"setting": "single-turn"}}])
    report = run_import(path=broken)
    assert [str(e) for e in report.errors] == [f"generators.jsonl:1: {report.errors[0].reason}"]
    assert reason in report.errors[0].reason
    assert set(Generator.objects.values_list("name", flat=True)) == {"m1", "m2"}


# -- whole files: encodings, line endings, empty files -----------------------------


def test_it_refuses_a_latin1_file_whole_and_still_reads_the_other_files(manifest: Path) -> None:
    (manifest / "prompts.jsonl").write_bytes(
        b'{"slug": "lamp", "text": "A lamp"}\n' + '{"slug": "cafe", "text": "Café"}\n'.encode("latin-1")
    )
    report = run_import(path=manifest)
    assert [str(e) for e in report.errors] == [
        "prompts.jsonl: not UTF-8 text (byte 64, line 2): nothing of this file was imported",
        "outputs.jsonl:1: unknown prompt 'chair' (not in prompts.jsonl nor already imported)",
        "outputs.jsonl:2: unknown prompt 'chair' (not in prompts.jsonl nor already imported)",
    ]
    assert db_state() == {"generators": {"m1"}, "prompts": set(), "references": set(), "outputs": set()}


def test_it_refuses_a_utf16_file_with_its_bom(manifest: Path) -> None:
    text = (manifest / "outputs.jsonl").read_text()
    (manifest / "outputs.jsonl").write_bytes(text.encode("utf-16"))
    report = run_import(path=manifest)
    assert [str(e) for e in report.errors] == [
        "outputs.jsonl: not UTF-8 text (byte 0, line 1): nothing of this file was imported"
    ]
    assert db_state() == {**CLEAN, "outputs": set()}


def test_it_reads_a_utf8_bom_at_the_start_of_prompts_jsonl(manifest: Path) -> None:
    path = manifest / "prompts.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = run_import(path=manifest)
    assert report.ok, report.errors
    assert Prompt.objects.get().slug == "chair"


def test_it_reads_crlf_line_endings_and_numbers_lines_as_an_editor_does(manifest: Path) -> None:
    no_code = '{"generator": "m2", "prompt": "chair"}'
    rows = [json.dumps(GOOD), "", "   ", no_code, json.dumps({**GOOD, "generator": "m4"})]
    (manifest / "outputs.jsonl").write_bytes("\r\n".join(rows).encode() + b"\r\n")
    report = run_import(path=manifest)
    assert [str(e) for e in report.errors] == ["outputs.jsonl:4: an output needs 'code' (a Blender script) or "
                                               "'mesh' (a mesh file)"]  # fmt: skip
    assert db_state()["outputs"] == {("m1", "chair"), ("m4", "chair")}


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c"])
def test_it_does_not_split_a_line_on_unicode_separators(manifest: Path, separator: str) -> None:
    # Valid inside a JSON string (raw or escaped); str.splitlines() would split the line there.
    rows = ['{"slug": "chair", "text": "A' + separator + 'chair"}', json.dumps({"slug": "lamp"})]
    (manifest / "prompts.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (manifest / "outputs.jsonl").unlink()
    report = run_import(path=manifest)
    if separator in "\x0b\x0c\x1c":  # control characters must be escaped in JSON
        assert [e.where for e in report.errors] == ["prompts.jsonl:1", "prompts.jsonl:2"]
        assert "malformed JSON (Invalid control character at column 29)" in report.errors[0].reason
    else:
        assert [str(e) for e in report.errors] == ["prompts.jsonl:2: 'text' is missing"]
        assert Prompt.objects.get().text == f"A{separator}chair"


def test_it_imports_nothing_and_reports_nothing_from_empty_files(manifest: Path) -> None:
    for name in ("generators.jsonl", "prompts.jsonl", "outputs.jsonl"):
        (manifest / name).write_bytes(b"")
    report = run_import(path=manifest)
    assert report.ok and report.created == report.updated == report.unchanged == 0
    assert db_state() == {"generators": set(), "prompts": set(), "references": set(), "outputs": set()}


def test_it_needs_no_generators_or_outputs_file(manifest: Path) -> None:
    (manifest / "generators.jsonl").unlink()
    (manifest / "outputs.jsonl").unlink()
    report = run_import(path=manifest)
    assert report.ok and report.created == 1
    assert db_state() == {"generators": set(), "prompts": {"chair"}, "references": {"chair"}, "outputs": set()}


def test_it_refuses_only_a_huge_line_between_good_ones(manifest: Path) -> None:
    huge = {"generator": "m9", "prompt": "chair", "code": "code/lamp.py", "pad": "x" * 8_000_000}
    write_jsonl(manifest / "outputs.jsonl", [GOOD, {**huge, "prompt": "c" * 30_000}, huge])
    report = run_import(path=manifest)
    assert [str(e) for e in report.errors] == ["outputs.jsonl:2: 'prompt' is longer than 20000 characters"]
    assert db_state()["outputs"] == {("m1", "chair"), ("m9", "chair")}


# -- duplicates in one run -------------------------------------------------------


def test_it_refuses_a_duplicate_slug_and_keeps_the_first(manifest: Path) -> None:
    write_jsonl(manifest / "prompts.jsonl", [GOOD_PROMPT, {"slug": "chair", "text": "Another chair"}])
    report = run_import(path=manifest)
    assert [str(e) for e in report.errors] == [
        "prompts.jsonl:2: duplicate slug 'chair': already given at prompts.jsonl:1"
    ]
    assert Prompt.objects.get().text == "A chair"


def test_it_refuses_a_duplicate_generator_and_output(manifest: Path) -> None:
    write_jsonl(manifest / "generators.jsonl", [{"name": "m1", "provider": "P"}, {"name": "m1", "provider": "Q"}])
    write_jsonl(manifest / "outputs.jsonl", [GOOD, {**GOOD, "code": "code/lamp.py"}])
    report = run_import(path=manifest)
    assert [str(e) for e in report.errors] == [
        "generators.jsonl:2: duplicate generator 'm1': already given at generators.jsonl:1",
        "outputs.jsonl:2: duplicate output of 'm1' for 'chair': already given at outputs.jsonl:1",
    ]
    assert Generator.objects.get().provider == "P"
    assert Asset.objects.get(is_reference=False).source_code == CHAIR


def test_the_command_names_every_bad_line_and_fails(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_jsonl(broken / "outputs.jsonl", [GOOD, {**GOOD, "generator": "m3", "code": "escape.py"}, "[1]", GOOD])
    with pytest.raises(CommandError, match="3 record"):
        call_command("arena_import", str(broken), verbosity=0)
    err = capsys.readouterr().err
    assert "error: outputs.jsonl:2: 'code' path 'escape.py' points outside the manifest folder" in err
    assert "error: outputs.jsonl:3: each line must be a JSON object" in err
    assert "error: outputs.jsonl:4: duplicate output of 'm1' for 'chair': already given at outputs.jsonl:1" in err
    assert db_state() == {**CLEAN, "outputs": {("m1", "chair")}}


# -- property style: many seeded random mutations of a valid line ----------------

PATHS = ["code/chair.py", "code/lamp.py", "code/./lamp.py", "code//chair.py", "code/../code/lamp.py",
         "../run/code/chair.py", "/etc/passwd", "../../etc/passwd", "escape.py", "escape_dir/secret.py", "loop.py",
         "dangling.py", "big.py", "nul.py", "latin1.py", "utf16.py", "empty.glb", "huge.glb", "bomb.zip",
         "zip_as.glb", "escape.glb", "code", ".", "", "C:\\x.py", "code/chair.py\u0000", "~/x.py"]  # fmt: skip
VALUES: list[Any] = [None, 0, -1, 1.5, True, False, "", " ", [], ["code/chair.py"], {}, {"a": 1}, "x" * 300,
                     "chair", "Chair", "lamp", "m1", "m2", "m\u2028x", "\u00e9", "\U0001f600", "a\ud800"]  # fmt: skip
INSERTS = ['"', "\\", "{", "}", "[", "]", ",", ":", " ", "\t", "\x00", "\x0b", "\x0c", "\x1c", "\x85", "\u2028",
           "\u2029", "\ufeff", "\\ud800", "\\u0000", "NaN", "1e999", "-", "0", "é", "\U0001f600", "null"]  # fmt: skip
OUTPUT_KEYS = ["generator", "prompt", "code", "mesh"]
PROMPT_KEYS = ["slug", "text", "task", "reference_script", "reference_mesh", "category"]


def mutate(row: dict[str, Any], keys: list[str], rng: random.Random) -> str:
    """One to three random changes to a row, at the level of keys and values or of the JSON text."""
    row = dict(row)
    text = None
    for _ in range(rng.randint(1, 3)):
        if text is None and rng.random() < 0.6:
            kind = rng.choice(["set", "path", "drop", "extra"])
            key = rng.choice(keys)
            if kind == "set":
                row[key] = rng.choice(VALUES)
            elif kind == "path":
                row[rng.choice(["code", "mesh"])] = rng.choice(PATHS)
            elif kind == "drop":
                row.pop(key, None)
            else:
                row[rng.choice(["extra", "metadata", "__proto__"])] = rng.choice(VALUES)
            continue
        text = text if text is not None else dumps(row, rng)
        at = rng.randrange(len(text) + 1)
        kind = rng.choice(["insert", "delete", "truncate", "repeat"])
        if kind == "insert":
            text = text[:at] + rng.choice(INSERTS) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        elif kind == "truncate":
            text = text[:at]
        else:
            end = rng.randrange(at, len(text) + 1)
            text = text[:end] + text[at:end] + text[end:]
    return text if text is not None else dumps(row, rng)


def dumps(row: dict[str, Any], rng: random.Random) -> str:
    """JSON text, raw non-ASCII or escaped; escaped when raw would not be UTF-8 (a lone surrogate)."""
    text = json.dumps(row, ensure_ascii=rng.random() < 0.5)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(row)
    return text


def import_lines(root: Path, name: str, lines: list[str]) -> tuple[Any, list[Record]]:
    body = "\n".join(lines) + "\n"
    (root / name).write_text(body, encoding="utf-8")
    seen: list[Record] = []
    report = run_import(path=root, on_record=seen.append)  # must never raise
    return report, seen


def check_accounting(name: str, lines: list[str], report: Any, seen: list[Record]) -> list[Any]:
    """Every non-blank line is either imported or refused with `name:line: reason`, never both."""
    refused = {}
    for error in report.errors:
        match = re.fullmatch(rf"{re.escape(name)}:(\d+)", error.where)
        assert match, f"error does not name {name}:line: {error}"
        assert error.reason.strip() and str(error) == f"{error.where}: {error.reason}"
        assert error.where not in refused, f"two errors for one line: {error}"
        refused[error.where] = error
    ours = [r for r in seen if r.where.startswith(f"{name}:")]  # not the other files' records
    imported = [r for r in ours if not isinstance(r, RecordError) and r.where not in refused]
    numbered = {f"{name}:{n}" for n, line in enumerate(lines, start=1) if line.strip()}
    assert {r.where for r in imported} | set(refused) == numbered
    assert not {r.where for r in imported} & set(refused)
    assert report.created == len(imported)  # a fresh database: every imported record is new
    return imported


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_it_survives_random_mutations_of_output_lines(broken: Path, seed: int) -> None:
    rng = random.Random(seed)
    (broken / "generators.jsonl").unlink()
    run_import(path=broken)  # the chair prompt and its reference
    Asset.objects.filter(is_reference=False).delete()
    Generator.objects.all().delete()
    row = {"prompt": "chair", "code": "code/chair.py"}
    lines = [mutate({"generator": f"g{i}", **row}, OUTPUT_KEYS, rng) for i in range(300)]
    report, seen = import_lines(broken, "outputs.jsonl", lines)
    imported = check_accounting("outputs.jsonl", lines, report, seen)
    assert all(isinstance(r, OutputRecord) for r in imported)
    assert db_state()["outputs"] == {(r.generator, r.prompt) for r in imported}
    assert set(Generator.objects.values_list("name", flat=True)) == {r.generator for r in imported}
    sources = set(Asset.objects.filter(is_reference=False).values_list("source_code", flat=True))
    assert sources <= {CHAIR, LAMP, ""}  # only files inside the folder; "" for a mesh
    assert not Asset.objects.filter(source_code=SECRET).exists()
    assert 30 < len(imported) < 270, "the mutations should give a mix of good and bad lines"


@pytest.mark.parametrize("seed", [21, 22])
def test_it_survives_random_mutations_of_prompt_lines(broken: Path, seed: int) -> None:
    rng = random.Random(seed)
    (broken / "outputs.jsonl").unlink()
    row = {"text": "A thing", "reference_script": "ref.py"}
    lines = [mutate({"slug": f"p{i}", **row}, PROMPT_KEYS, rng) for i in range(300)]
    write_jsonl(broken / "generators.jsonl", [])
    report, seen = import_lines(broken, "prompts.jsonl", lines)
    imported = check_accounting("prompts.jsonl", lines, report, seen)
    assert all(isinstance(r, PromptRecord) for r in imported)
    state = db_state()
    assert state["prompts"] == {r.slug for r in imported}
    assert state["references"] == {r.slug for r in imported if r.reference_code or r.reference_mesh}
    assert not Asset.objects.filter(source_code=SECRET).exists()
    assert 30 < len(imported) < 270


@pytest.mark.parametrize("seed", range(8))
def test_it_refuses_a_whole_file_with_one_random_invalid_byte(manifest: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = manifest / "outputs.jsonl"
    data = bytearray(path.read_bytes())
    at = rng.randrange(len(data))
    data[at] = rng.choice([0x80, 0xBF, 0xC0, 0xC1, 0xF5, 0xFF])  # never valid in UTF-8
    path.write_bytes(bytes(data))
    report = run_import(path=manifest)
    line = data[:at].count(b"\n") + 1
    assert [str(e) for e in report.errors] == [
        f"outputs.jsonl: not UTF-8 text (byte {at}, line {line}): nothing of this file was imported"
    ]
    assert db_state() == {**CLEAN, "outputs": set()}


def test_it_never_reads_the_target_of_an_escaping_symlink(broken: Path, outside: Path) -> None:
    # Whatever refers to it, the file outside stays unread: its access time would move.
    secret = outside / "secret.py"
    os.utime(secret, (0, 0))
    write_jsonl(broken / "outputs.jsonl", [{**GOOD, "code": p} for p in ("escape.py", "escape_dir/secret.py")])
    write_jsonl(broken / "prompts.jsonl", [{**GOOD_PROMPT, "reference_script": "escape.py"}])
    report = run_import(path=broken)
    assert len(report.errors) == 3 and all("points outside the manifest folder" in e.reason for e in report.errors)
    assert secret.stat().st_atime == 0
