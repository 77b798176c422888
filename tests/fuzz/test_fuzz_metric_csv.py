"""Bad input to the metric CSV import (`manage.py arena_import_metrics FILE.csv`, metrics/imports.py).

Each bad row must be reported as `FILE:LINE: reason` while the good rows are
kept; a file that cannot be decoded must be reported, not crash the command.
"""

from __future__ import annotations

import csv
import io
import math
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arena.models import Asset, Generator, Prompt, Status
from metrics.imports import metrics_import
from metrics.models import AssetMetric, GeneratorMetric

pytestmark = pytest.mark.django_db

ASSET_HEADER = "model,prompt,metric,value\n"
MODEL_HEADER = "model,metric,value,task\n"


@pytest.fixture(autouse=True)
def cast() -> None:
    """Atlas made a chair and a lamp, Birch only a chair."""
    chair = Prompt.objects.create(slug="chair", text="A chair")
    lamp = Prompt.objects.create(slug="lamp", text="A lamp", task="image-to-3d")
    for name in ("Atlas", "Birch"):
        Asset.objects.create(prompt=chair, generator=Generator.objects.create(name=name), status=Status.OK)
    Asset.objects.create(prompt=lamp, generator=Generator.objects.get(name="Atlas"), status=Status.OK)


def csv_file(tmp_path: Path, data: bytes | str, name: str = "metrics.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def stored() -> dict[tuple[str, str, str], float | None]:
    rows = AssetMetric.objects.values_list("asset__generator__name", "asset__prompt__slug", "name", "value")
    return {(g, p, n): v for g, p, n, v in rows}


@pytest.mark.parametrize(
    "row, reason",
    [
        ("Atlas,chair,fscore,1e999", "value '1e999' is not a finite number"),
        ("Atlas,chair,fscore,-inf", "value '-inf' is not a finite number"),
        ("Atlas,chair,fscore,0x10", "value '0x10' is not a number"),
        ("Atlas,chair,fscore,true", "value 'true' is not a number"),
        ("Atlas,chair,fscore,0.5\x00", "value '0.5\\x00' is not a number"),
        ("Atl\x00as,chair,fscore,0.5", "unknown model 'Atl\\x00as'"),
        ("Atlas,chair\u200b,fscore,0.5", "unknown prompt 'chair\\u200b'"),
        ("Atlas,chair,fscöre,0.5", "metric 'fscöre' is not a valid name"),
        ("Atlas,chair,1fscore,0.5", "metric '1fscore' is not a valid name"),
        ("Atlas,chair," + "m" * 65 + ",0.5", f"metric '{'m' * 65}' is not a valid name"),
        ("Atlas,chair,executability,1", "executability comes from the render status"),
        ("Atlas,chair,fscore,0.5,extra", "expected 4 columns, found 5"),
        ("Atlas;chair;fscore;0.5", "expected 4 columns, found 1"),
        ('"Atlas,chair,fscore,0.5', "expected 4 columns, found 1"),
        ("Birch,lamp,fscore,0.5", "model 'Birch' has no asset for prompt 'lamp'"),
        ("Atlas,chair,fscore,0.9", "the same value was given on line 2"),
    ],
)
def test_it_refuses_a_bad_asset_row_and_keeps_the_good_one(tmp_path: Path, row: str, reason: str) -> None:
    path = csv_file(tmp_path, ASSET_HEADER + "Atlas,chair,fscore,0.5\n" + row + "\n")
    report = metrics_import(path=path)
    assert len(report.errors) == 1 and report.errors[0].startswith(f"{path}:3: {reason}"), report.errors
    assert stored() == {("Atlas", "chair", "fscore"): 0.5}


@pytest.mark.parametrize(
    "row, reason",
    [
        ("Atlas,uni3d,0.5,text-to-3d", "the same value was given on line 2"),
        ("Atlas,uni3d,nan,", "empty value"),
        ("Atlas,uni3d,0.5,Text-To-3D", "unknown task 'Text-To-3D'"),
        ("Atlas,uni3d,0.5,text-to-3d,", "expected 4 columns, found 5"),
        ("Nobody,uni3d,0.5,", "unknown model 'Nobody'"),
    ],
)
def test_it_refuses_a_bad_model_row_and_keeps_the_good_one(tmp_path: Path, row: str, reason: str) -> None:
    path = csv_file(tmp_path, MODEL_HEADER + "Atlas,uni3d,0.5,text-to-3d\n" + row + "\n")
    report = metrics_import(path=path)
    assert len(report.errors) == 1 and report.errors[0].startswith(f"{path}:3: {reason}"), report.errors
    assert list(GeneratorMetric.objects.values_list("generator__name", "task", "value")) == [
        ("Atlas", "text-to-3d", 0.5)
    ]


def test_it_reads_a_bom_crlf_blank_lines_and_a_loose_header(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf Model , PROMPT,metric,Value\r\n\r\n,,,\r\nAtlas , chair , fscore , 0.5 \r\n"
    data += b"Birch,chair,fscore,\r\n"
    report = metrics_import(path=csv_file(tmp_path, data))
    assert report.errors == [] and report.layout == "asset" and report.created == 2
    assert stored() == {("Atlas", "chair", "fscore"): 0.5, ("Birch", "chair", "fscore"): None}


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\xef\xbb\xbf", b"model,prompt\n", b"\x00\x00\x00"])
def test_it_refuses_an_empty_or_headless_file_without_writing(tmp_path: Path, data: bytes) -> None:
    path = csv_file(tmp_path, data)
    report = metrics_import(path=path)
    assert len(report.errors) == 1 and report.errors[0].startswith(f"{path}:1: unknown column layout")
    assert not AssetMetric.objects.exists() and not GeneratorMetric.objects.exists()


def test_it_imports_nothing_and_reports_nothing_from_a_header_alone(tmp_path: Path) -> None:
    report = metrics_import(path=csv_file(tmp_path, ASSET_HEADER))
    assert report.errors == [] and report.created == 0


def test_it_reports_a_folder_given_as_the_file(tmp_path: Path) -> None:
    report = metrics_import(path=tmp_path)
    assert report.errors == [f"{tmp_path}: cannot read (Is a directory)"]


# -- encodings and huge fields are reported, not raised --------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        (ASSET_HEADER + "Atlas,chair,fscore,0.5\nBirch,chair,fscore,0.5 # caf\xe9\n").encode("latin-1"),
        (ASSET_HEADER + "Atlas,chair,fscore,0.5\n").encode("utf-16"),
        ASSET_HEADER.encode() + b"Atlas,chair,fscore,0.5\n\xff\xfe,,,\n",
    ],
    ids=["latin-1", "utf-16-bom", "invalid-bytes"],
)
def test_it_reports_a_file_that_is_not_utf8(tmp_path: Path, data: bytes) -> None:
    path = csv_file(tmp_path, data)
    report = metrics_import(path=path)
    assert any(e.startswith(f"{path}:") and "UTF-8" in e for e in report.errors), report.errors


def test_the_command_reports_a_latin1_file_and_fails_cleanly(tmp_path: Path) -> None:
    path = csv_file(tmp_path, (ASSET_HEADER + "Atlas,chair,caf\xe9,0.5\n").encode("latin-1"))
    with pytest.raises(CommandError):
        call_command("arena_import_metrics", str(path), "--no-report")


def test_it_reports_a_huge_field(tmp_path: Path) -> None:
    path = csv_file(tmp_path, ASSET_HEADER + "Atlas,chair,fscore,0.5\n" + "A" * 200_000 + ",chair,fscore,0.5\n")
    report = metrics_import(path=path)
    assert any(e.startswith(f"{path}:3: ") for e in report.errors), report.errors


# -- property style: many seeded random mutations of a valid row ---------------------------

INSERTS = [",", '"', '""', "\r", "\n", "\r\n", " ", "\t", ";", "\x00", "é", "\u2028", "\ufeff", "nan", "inf",
           "-", "e", "1", ".", "_", "A", "#", "'"]  # fmt: skip
FIELDS = ["Atlas", "Birch", "Nobody", "chair", "lamp", "sofa", "fscore", "executability", "Bad Name", "x" * 70,
          "0.5", "", "nan", "1e999", "-0", "1_000", "text-to-3d", "image-to-3d", "video"]  # fmt: skip


def mutate(row: list[str], rng: random.Random) -> str:
    """One to three random changes to a CSV row, at the level of fields or of the text."""
    cells = list(row)
    text = None
    for _ in range(rng.randint(1, 3)):
        if text is None and rng.random() < 0.5:
            cells[rng.randrange(len(cells))] = rng.choice(FIELDS)
            continue
        text = text if text is not None else ",".join(cells)
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
    return text if text is not None else ",".join(cells)


def parsed_rows(body: str) -> list[list[str]]:
    """The data records of a CSV text that have any non-blank cell."""
    records = list(csv.reader(io.StringIO(body, newline="")))[1:]
    return [[c.strip() for c in r] for r in records if any(c.strip() for c in r)]


@pytest.mark.parametrize(
    "header, control, base",
    [
        (ASSET_HEADER, "Birch,chair,control,0.25", ["Atlas", "chair", "fscore", "0.5"]),
        (MODEL_HEADER, "Birch,control,0.25,", ["Atlas", "fscore", "0.5", "text-to-3d"]),
    ],
    ids=["asset-level", "model-level"],
)
@pytest.mark.parametrize("seed", [31, 32])
def test_it_survives_random_mutations_of_a_row(
    tmp_path: Path, header: str, control: str, base: list[str], seed: int
) -> None:
    rng = random.Random(seed)
    created = kept = 0
    for i in range(120):
        body = header + control + "\n" + mutate(base, rng) + "\n"
        path = csv_file(tmp_path, body, name=f"m{i}.csv")
        report = metrics_import(path=path)  # must never raise
        for error in report.errors:
            prefix, _, reason = error.partition(": ")
            assert prefix.startswith(f"{path}:") and prefix.rsplit(":", 1)[1].isdigit() and reason, error
            assert int(prefix.rsplit(":", 1)[1]) >= 3  # the header and the control row are good
        rows = parsed_rows(body)
        assert report.created + report.updated + len(report.errors) == len(rows)  # each row: kept or reported
        created += report.created
        kept += not report.errors and len(rows) == 2
        if header == ASSET_HEADER:
            assert AssetMetric.objects.count() == created and stored()[("Birch", "chair", "control")] == 0.25
            if not report.errors and len(rows) == 2:
                model, prompt, metric, value = rows[1]
                number = None if value.lower() in ("", "nan", "null", "none") else float(value)
                assert stored()[(model, prompt, metric)] == number or (number is not None and math.isnan(number))
        else:
            assert GeneratorMetric.objects.count() == created
            assert GeneratorMetric.objects.get(name="control").value == 0.25
            if not report.errors and len(rows) == 2:
                model, metric, value, task = rows[1]
                assert GeneratorMetric.objects.get(generator__name=model, name=metric, task=task).value == float(value)
    assert 4 < kept < 110, f"the mutations should give a mix of good and bad rows ({kept} good)"
