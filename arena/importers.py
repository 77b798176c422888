"""Reading benchmark runs from disk into records the services can store.

Two layouts are understood (docs/import-format.md):

* the project's manifest: ``prompts.jsonl``, ``outputs.jsonl`` and an optional
  ``generators.jsonl``, with paths relative to the manifest's folder;
* the reference benchmark's release: ``categories/<Category>_seed0/`` with the
  prompt texts and reference script, ``results/<model>/<Category>_seed0/`` with
  each model's script.

Readers yield records or `RecordError`s, so one bad line never hides the good ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.text import slugify

MAX_CODE_BYTES = 1024 * 1024
MAX_MESH_BYTES = 100 * 1024 * 1024
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MESH_SUFFIXES = {".glb", ".gltf", ".obj", ".ply", ".stl"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
TASKS = {"text-to-3d", "image-to-3d"}


@dataclass
class RecordError:
    where: str  # "outputs.jsonl:12" or a path
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class GeneratorRecord:
    where: str
    name: str
    provider: str = ""
    version: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class PromptRecord:
    where: str
    slug: str
    task: str
    category: str
    text: str
    instruction: str = ""
    reference_code: str = ""
    reference_mesh: Path | None = None
    reference_image: Path | None = None


@dataclass
class OutputRecord:
    where: str
    generator: str
    prompt: str
    code: str = ""
    mesh: Path | None = None


Record = GeneratorRecord | PromptRecord | OutputRecord | RecordError


class BadRecord(Exception):
    pass


def detect_layout(root: Path) -> str:
    if (root / "prompts.jsonl").is_file() or (root / "outputs.jsonl").is_file():
        return "manifest"
    if (root / "categories").is_dir() or (root / "results").is_dir():
        return "benchmark"
    raise BadRecord(
        f"{root}: no prompts.jsonl/outputs.jsonl (manifest) and no categories/ or results/ (benchmark release) here"
    )


def read_records(root: Path) -> Iterator[Record]:
    root = root.resolve()
    if detect_layout(root) == "manifest":
        yield from first_of_each(read_manifest(root))
    else:
        yield from first_of_each(read_benchmark(root))


def natural_key(record: GeneratorRecord | PromptRecord | OutputRecord) -> str:
    if isinstance(record, GeneratorRecord):
        return f"generator {record.name!r}"
    if isinstance(record, PromptRecord):
        return f"slug {record.slug!r}"
    return f"output of {record.generator!r} for {record.prompt!r}"


def first_of_each(records: Iterable[Record]) -> Iterator[Record]:
    """Refuse a record whose natural key an earlier record of the run had: it would silently replace it."""
    seen: dict[str, str] = {}
    for record in records:
        if not isinstance(record, RecordError):
            key = natural_key(record)
            if key in seen:
                record = RecordError(record.where, f"duplicate {key}: already given at {seen[key]}")
            else:
                seen[key] = record.where
        yield record


# -- files -----------------------------------------------------------------


def check_text(value: str, what: str) -> None:
    """Refuse text that no database (nor file system) stores: NUL characters, lone surrogates."""
    if "\x00" in value:
        raise BadRecord(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRecord(f"{what} contains a lone surrogate at character {exc.start}: not valid Unicode") from None


MAX_JSON_DEPTH = 100


def check_json_text(value: Any, what: str) -> None:
    """`check_text` on every key and string inside a parsed JSON value, and a bound on its depth.

    Iterative: the value may be nested almost to the recursion limit, which storing it would then exceed.
    """
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRecord(f"{what} is nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(item, str):
            check_text(item, what)
        elif isinstance(item, dict):
            stack.extend((key, depth + 1) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def resolve_inside(root: Path, relative: Any, what: str) -> Path:
    """The file `relative` names, refusing anything outside `root`."""
    if not isinstance(relative, str) or not relative:
        raise BadRecord(f"'{what}' must be a non-empty relative path")
    check_text(relative, f"'{what}' path {relative!r}")
    if Path(relative).is_absolute():
        raise BadRecord(f"'{what}' path {relative!r} must be relative to the manifest folder")
    try:
        path = (root / relative).resolve()
        inside = path.is_relative_to(root)
        exists = inside and path.is_file()
    except (OSError, RuntimeError) as exc:  # a name too long, a symlink loop
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise BadRecord(f"'{what}' path {relative!r} cannot be resolved ({reason})") from None
    if not inside:
        raise BadRecord(f"'{what}' path {relative!r} points outside the manifest folder")
    if not exists:
        raise BadRecord(f"'{what}' file {relative!r} does not exist")
    return path


def read_code(path: Path, what: str = "code") -> str:
    try:
        size = path.stat().st_size
        if size > MAX_CODE_BYTES:
            raise BadRecord(f"{what} file {path.name} is {size} bytes, over the {MAX_CODE_BYTES}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise BadRecord(f"{what} file {path.name} cannot be read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRecord(f"{what} file {path.name} is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise BadRecord(f"{what} file {path.name} contains NUL bytes: not a Python script")
    return text


def check_file(path: Path, suffixes: set[str], limit: int, what: str) -> Path:
    if path.suffix.lower() not in suffixes:
        raise BadRecord(f"{what} file {path.name} has an unsupported type (allowed: {', '.join(sorted(suffixes))})")
    size = path.stat().st_size
    if size == 0:
        raise BadRecord(f"{what} file {path.name} is empty")
    if size > limit:
        raise BadRecord(f"{what} file {path.name} is {size} bytes, over the {limit}-byte limit")
    return path


# -- the project's manifest ------------------------------------------------


# Only these end a line: str.splitlines() also splits on U+2028 and others, valid inside a JSON string.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def read_jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any] | RecordError]]:
    if not path.is_file():
        return
    data = path.read_bytes()
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # editors may start UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        line_no = data[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (byte {exc.start}, line {line_no}): nothing of this file was imported"
        yield str(path.name), RecordError(path.name, reason)
        return
    for number, line in enumerate(LINE_BREAK.split(text), start=1):
        where = f"{path.name}:{number}"
        if not line.strip():
            continue
        try:
            row = json.loads(line, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            message = exc.msg.removesuffix(" at")  # "Invalid control character at" would read "at at column"
            yield where, RecordError(where, f"malformed JSON ({message} at column {exc.colno})")
            continue
        except RecursionError:
            yield where, RecordError(where, "malformed JSON (nested too deeply)")
            continue
        except ValueError as exc:  # NaN, or an integer over Python's digit limit
            yield where, RecordError(where, f"malformed JSON ({str(exc).split(':')[0]})")
            continue
        if not isinstance(row, dict):
            yield where, RecordError(where, "each line must be a JSON object")
            continue
        yield where, row


def text_field(row: dict[str, Any], key: str, *, required: bool = True, limit: int = 20000) -> str:
    value = row.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRecord(f"'{key}' must be a string")
    check_text(value, f"'{key}'")
    if required and not value.strip():
        raise BadRecord(f"'{key}' is missing")
    if len(value) > limit:
        raise BadRecord(f"'{key}' is longer than {limit} characters")
    return value.strip()


def parse_generator(root: Path, where: str, row: dict[str, Any]) -> GeneratorRecord:
    metadata = row.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise BadRecord("'metadata' must be a JSON object")
    check_json_text(metadata, "'metadata'")
    return GeneratorRecord(
        where,
        name=text_field(row, "name", limit=200),
        provider=text_field(row, "provider", required=False, limit=200),
        version=text_field(row, "version", required=False, limit=100),
        metadata=metadata,
    )


def parse_prompt(root: Path, where: str, row: dict[str, Any]) -> PromptRecord:
    slug = text_field(row, "slug", limit=200)
    if slugify(slug) != slug:
        raise BadRecord(f"'slug' {slug!r} must be lowercase letters, digits and hyphens (try {slugify(slug)!r})")
    task = text_field(row, "task", required=False) or "text-to-3d"
    if task not in TASKS:
        raise BadRecord(f"'task' {task!r} must be one of {sorted(TASKS)}")
    record = PromptRecord(
        where,
        slug=slug,
        task=task,
        category=text_field(row, "category", required=False, limit=100),
        text=text_field(row, "text"),
        instruction=text_field(row, "instruction", required=False, limit=100000),
    )
    if row.get("reference_script") and row.get("reference_mesh"):
        raise BadRecord("give either 'reference_script' or 'reference_mesh', not both")
    if row.get("reference_script"):
        record.reference_code = read_code(resolve_inside(root, row["reference_script"], "reference_script"))
    if row.get("reference_mesh"):
        path = resolve_inside(root, row["reference_mesh"], "reference_mesh")
        record.reference_mesh = check_file(path, MESH_SUFFIXES, MAX_MESH_BYTES, "reference_mesh")
    if row.get("reference_image"):
        path = resolve_inside(root, row["reference_image"], "reference_image")
        record.reference_image = check_file(path, IMAGE_SUFFIXES, MAX_IMAGE_BYTES, "reference_image")
    if task == "image-to-3d" and record.reference_image is None:
        raise BadRecord("an image-to-3d prompt needs a 'reference_image'")
    return record


def parse_output(root: Path, where: str, row: dict[str, Any]) -> OutputRecord:
    record = OutputRecord(where, generator=text_field(row, "generator", limit=200), prompt=text_field(row, "prompt"))
    if row.get("code") and row.get("mesh"):
        raise BadRecord("give either 'code' or 'mesh', not both")
    if row.get("code"):
        record.code = read_code(resolve_inside(root, row["code"], "code"))
    elif row.get("mesh"):
        record.mesh = check_file(resolve_inside(root, row["mesh"], "mesh"), MESH_SUFFIXES, MAX_MESH_BYTES, "mesh")
    else:
        raise BadRecord("an output needs 'code' (a Blender script) or 'mesh' (a mesh file)")
    return record


def read_manifest(root: Path) -> Iterator[Record]:
    parsers = (("generators.jsonl", parse_generator), ("prompts.jsonl", parse_prompt), ("outputs.jsonl", parse_output))
    for name, parse in parsers:
        for where, row in read_jsonl(root / name):
            if isinstance(row, RecordError):
                yield row
                continue
            try:
                yield parse(root, where, row)
            except BadRecord as exc:
                yield RecordError(where, str(exc))


# -- the reference benchmark's release ---------------------------------------

SEED_DIR = re.compile(r"^(?P<category>.+)_seed(?P<seed>\d+)$")


def benchmark_slug(folder: str) -> str:
    return slugify(folder.replace("_", "-"))


def read_benchmark(root: Path) -> Iterator[Record]:
    categories = root / "categories"
    for folder in sorted(categories.iterdir()) if categories.is_dir() else []:
        if folder.is_dir():
            yield read_benchmark_prompt(root, folder)
    results = root / "results"
    for model_dir in sorted(results.iterdir()) if results.is_dir() else []:
        if not model_dir.is_dir():
            continue
        if len(model_dir.name) > 200:
            yield RecordError(str(model_dir.relative_to(root)), "the model name is longer than 200 characters")
            continue
        yield GeneratorRecord(str(model_dir.relative_to(root)), name=model_dir.name)
        for folder in sorted(model_dir.iterdir()):
            if folder.is_dir():
                yield read_benchmark_output(root, model_dir.name, folder)


def read_benchmark_prompt(root: Path, folder: Path) -> Record:
    where = f"categories/{folder.name}"
    match = SEED_DIR.match(folder.name)
    if not match:
        return RecordError(where, "folder name must look like <Category>_seed<N>")
    if len(match["category"]) > 100:
        return RecordError(where, "the category name is longer than 100 characters")
    try:
        text = read_code(_required(root, folder / "prompt_description.txt"), "prompt_description.txt")
        instruction_file = folder / "prompt_instruction.txt"
        instruction = (
            read_code(_inside(root, instruction_file), "prompt_instruction.txt") if instruction_file.is_file() else ""
        )
        script = folder / f"{folder.name}.py"
        code = read_code(_inside(root, script), script.name) if script.is_file() else ""
    except BadRecord as exc:
        return RecordError(where, str(exc))
    # Text files saved by Windows editors start with a BOM: not part of the prompt.
    text, instruction = text.lstrip("\ufeff").strip(), instruction.lstrip("\ufeff").strip()
    if not text:
        return RecordError(where, "prompt_description.txt is empty")
    return PromptRecord(
        where,
        slug=benchmark_slug(folder.name),
        task="text-to-3d",
        category=match["category"],
        text=text,
        instruction=instruction,
        reference_code=code,
    )


def read_benchmark_output(root: Path, model: str, folder: Path) -> Record:
    where = f"results/{model}/{folder.name}"
    script = folder / f"{folder.name}.py"
    try:
        code = read_code(_required(root, script), script.name)
    except BadRecord as exc:
        return RecordError(where, str(exc))
    return OutputRecord(where, generator=model, prompt=benchmark_slug(folder.name), code=code)


def _required(root: Path, path: Path) -> Path:
    if not path.is_file():
        raise BadRecord(f"{path.name} is missing")
    return _inside(root, path)


def _inside(root: Path, path: Path) -> Path:
    """The real file behind `path`, refusing a symlink that leads outside `root`."""
    real = path.resolve()
    if not real.is_relative_to(root):
        raise BadRecord(f"{path.relative_to(root)} points outside the release folder")
    return real
