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

import csv
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
FAMILIES = ("organic", "manufactured", "architectural")


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
    family: str = ""
    instance: str = ""
    reference_images: list[Path] = field(default_factory=list)


@dataclass
class OutputRecord:
    where: str
    generator: str
    prompt: str
    code: str = ""
    mesh: Path | None = None
    release: ReleaseOutput | None = None  # what a release's run folder adds


@dataclass
class SettingRecord:
    """One run folder of a release: a model under one task and set of settings."""

    where: str
    name: str
    generator: str
    task: str
    values: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@dataclass
class AttemptRecord:
    number: int
    code: str = ""
    status: str = ""
    error: str = ""
    n_meshes: int | None = None
    thinking: str = ""


@dataclass
class ReleaseOutput:
    """What one instance folder of a run adds to an output: the run's record and the attempts."""

    setting: str
    run_log: dict[str, Any] = field(default_factory=dict)
    attempts: list[AttemptRecord] = field(default_factory=list)


@dataclass
class RecordWarning:
    """Not an error: something the operator should know, the record is still imported."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


Record = GeneratorRecord | PromptRecord | OutputRecord | SettingRecord | RecordError | RecordWarning


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


def read_records(root: Path, families: dict[str, str] | None = None) -> Iterator[Record]:
    """Every record of a folder; `families` maps a release's categories to their family."""
    root = root.resolve()
    if detect_layout(root) == "manifest":
        yield from first_of_each(read_manifest(root))
    else:
        yield from first_of_each(read_benchmark(root, families))


def natural_key(record: GeneratorRecord | PromptRecord | OutputRecord | SettingRecord) -> str:
    if isinstance(record, GeneratorRecord):
        return f"generator {record.name!r}"
    if isinstance(record, PromptRecord):
        return f"slug {record.slug!r}"
    if isinstance(record, SettingRecord):
        return f"setting {record.name!r}"
    if record.release is not None:
        return f"output of run {record.release.setting!r} for {record.prompt!r}"
    return f"output of {record.generator!r} for {record.prompt!r}"


def first_of_each(records: Iterable[Record]) -> Iterator[Record]:
    """Refuse a record whose natural key an earlier record of the run had: it would silently replace it."""
    seen: dict[str, str] = {}
    for record in records:
        if not isinstance(record, (RecordError, RecordWarning)):
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
    family = text_field(row, "family", required=False, limit=20).lower()
    if family and family not in FAMILIES:
        raise BadRecord(f"'family' {family!r} must be one of {list(FAMILIES)}")
    # Without a family, a category that is itself a family name (as in the demo) is the family.
    record.family = family or (record.category.lower() if record.category.lower() in FAMILIES else "")
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
# results/<model>, results/<model>_image_to_3d, results/<model>_image_to_3d_<N> (the first N views).
RUN_DIR = re.compile(r"^(?P<model>.+?)(?P<image>_image_to_3d(?:_(?P<views>[1-9]\d*))?)?$")
ATTEMPT_FILE = re.compile(r"^(?P<inst>.+)\.attempt(?P<k>\d+)\.py$")
THINKING_FILE = re.compile(r"^thinking_attempt(?P<n>\d+)\.txt$")
IMAGE_FILE = re.compile(r"\d+")
RUNNER_TASKS = {"text_to_3d": "text-to-3d", "image_to_3d": "image-to-3d"}
PROMPT_TYPES = ("description", "instruction")
MAX_LOG_BYTES = 1024 * 1024
# The settings of a run as its log.json states them; every record of one run folder must agree on them.
SETTING_KEYS = ("provider", "model", "temperature", "thinking", "task", "prompt_type", "max_images", "seed")
# log.json fields kept per asset (Asset.run_log), with the JSON types each may have (None is always allowed).
NUMBER = (int, float)
LOG_FIELDS: dict[str, tuple[type, ...]] = {
    "instance": (str,),
    "timestamp": (str,),
    "provider": (str,),
    "model": (str,),
    "temperature": NUMBER,
    "thinking": (str,),
    "task": (str,),
    "prompt_type": (str,),
    "max_images": (int,),
    "seed": (int,),
    "status": (str,),
    "latency_s": NUMBER,
    "code_chars": (int,),
    "input_tokens": (int,),
    "output_tokens": (int,),
    "thoughts_tokens": (int,),
    "total_tokens": (int,),
    "cache_read_tokens": (int,),
    "cache_creation_tokens": (int,),
    "cost_usd": NUMBER,
    "parse_attempts": (int,),
    "render_attempts": (int,),
    "render_history": (list,),
    "final_render_status": (str,),
    "error": (str,),
}
RUN_LOG_KEYS = (
    "timestamp", "status", "latency_s", "code_chars", "input_tokens", "output_tokens", "thoughts_tokens",
    "total_tokens", "cache_read_tokens", "cache_creation_tokens", "cost_usd", "parse_attempts", "render_attempts",
    "final_render_status", "error",
)  # fmt: skip
HISTORY_FIELDS: dict[str, tuple[type, ...]] = {
    "attempt": (int,),
    "status": (str,),
    "n_meshes": (int,),
    "error_brief": (str,),
}


def read_families(path: Path) -> dict[str, str]:
    """An operator's category → family mapping: a JSON object, or CSV with the header `category,family`."""
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRecord(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    rows: list[tuple[str, Any, str]] = []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadRecord(f"{path}: malformed JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(data, dict):
            raise BadRecord(f"{path}: must be a JSON object of category -> family")
        rows = [(str(category), family, f"{path.name}: {category!r}") for category, family in data.items()]
    else:
        lines = [line for line in csv.reader(text.splitlines())]
        if not lines or [cell.strip().lower() for cell in lines[0]] != ["category", "family"]:
            raise BadRecord(f"{path}: the first line must be the header 'category,family'")
        for number, line in enumerate(lines[1:], start=2):
            if not line:
                continue
            if len(line) != 2:
                raise BadRecord(f"{path.name}:{number}: expected 2 columns (category,family), got {len(line)}")
            rows.append((line[0].strip(), line[1].strip(), f"{path.name}:{number}"))
    mapping = {}
    for category, family, where in rows:
        if not isinstance(family, str) or family.strip().lower() not in FAMILIES:
            raise BadRecord(f"{where}: family {family!r} must be one of {list(FAMILIES)}")
        mapping[category] = family.strip().lower()
    return mapping


def benchmark_slug(folder: str) -> str:
    return slugify(folder.replace("_", "-"))


def image_slug(folder: str) -> str:
    return f"{benchmark_slug(folder)}-image"


def natural_image_key(path: Path) -> tuple[Any, ...]:
    """Image_005 < Image_015 < Image_100: numbers compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name))


def run_folder(name: str) -> tuple[str, str, int | None]:
    """(model, task, views) that a run folder's name says; views None means all of them."""
    match = RUN_DIR.match(name)
    assert match is not None  # the pattern matches any non-empty name
    if not match["image"]:
        return name, "text-to-3d", None
    return match["model"], "image-to-3d", int(match["views"]) if match["views"] else None


def read_benchmark(root: Path, families: dict[str, str] | None = None) -> Iterator[Record]:
    categories = root / "categories"
    for folder in sorted(categories.iterdir()) if categories.is_dir() else []:
        if folder.is_dir():
            yield from read_benchmark_prompts(root, folder, families or {})
    results = root / "results"
    for run_dir in sorted(results.iterdir()) if results.is_dir() else []:
        if run_dir.is_dir():
            yield from read_benchmark_run(root, run_dir)


def read_benchmark_prompts(root: Path, folder: Path, families: dict[str, str]) -> list[Record]:
    """The text-to-3D prompt of an instance, and its image-to-3D prompt when it has reference views."""
    where = f"categories/{folder.name}"
    match = SEED_DIR.match(folder.name)
    if not match:
        return [RecordError(where, "folder name must look like <Category>_seed<N>")]
    if len(match["category"]) > 100:
        return [RecordError(where, "the category name is longer than 100 characters")]
    try:
        text = read_code(_required(root, folder / "prompt_description.txt"), "prompt_description.txt")
        instruction_file = folder / "prompt_instruction.txt"
        instruction = (
            read_code(_inside(root, instruction_file), "prompt_instruction.txt") if instruction_file.is_file() else ""
        )
        script = folder / f"{folder.name}.py"
        code = read_code(_inside(root, script), script.name) if script.is_file() else ""
        images = reference_views(root, folder / "images")
    except BadRecord as exc:
        return [RecordError(where, str(exc))]
    # Text files saved by Windows editors start with a BOM: not part of the prompt.
    text, instruction = text.lstrip("\ufeff").strip(), instruction.lstrip("\ufeff").strip()
    if not text:
        return [RecordError(where, "prompt_description.txt is empty")]
    category = match["category"]

    def prompt(where: str, slug: str, task: str) -> PromptRecord:
        return PromptRecord(
            where, slug=slug, task=task, category=category, text=text, instruction=instruction,
            reference_code=code, family=families.get(category, ""), instance=folder.name,
        )  # fmt: skip

    records: list[Record] = [prompt(where, benchmark_slug(folder.name), "text-to-3d")]
    if images:
        image_prompt = prompt(f"{where}/images", image_slug(folder.name), "image-to-3d")
        image_prompt.reference_images = images
        records.append(image_prompt)
    return records


def reference_views(root: Path, folder: Path) -> list[Path]:
    """Every reference view of an instance, in the release's canonical (natural) order."""
    if not folder.is_dir():
        return []
    views = sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=natural_image_key)
    return [check_file(_inside(root, path), IMAGE_SUFFIXES, MAX_IMAGE_BYTES, f"images/{path.name}") for path in views]


def read_benchmark_run(root: Path, run_dir: Path) -> Iterator[Record]:
    """A run folder: its setting (from the folder name and the records' log.json), then one output per instance."""
    where = f"results/{run_dir.name}"
    if len(run_dir.name) > 200:
        yield RecordError(where, "the run folder's name is longer than 200 characters")
        return
    model, task, views = run_folder(run_dir.name)
    parsed: list[tuple[Path, Record]] = []
    for folder in sorted(p for p in run_dir.iterdir() if p.is_dir()):
        parsed.append((folder, read_benchmark_output(root, run_dir.name, folder)))
    logs = [r.release.run_log.get("_settings", {}) for _, r in parsed if isinstance(r, OutputRecord) and r.release]
    stated: dict[str, Any] = next((values for values in logs if values), {})
    setting_model = stated.get("model") or model
    setting_task = RUNNER_TASKS.get(stated.get("task") or "", task)
    if setting_task == "image-to-3d":
        setting_views = stated["max_images"] if stated.get("max_images") else views
    else:
        setting_views = None
    warnings = []
    for key, named, said in (
        ("model", model, setting_model),
        ("task", task, setting_task),
        ("max_images", views, setting_views),
    ):
        if stated and named != said:
            warnings.append(f"the folder name says {key} {named!r}, its log.json says {said!r}: log.json is used")
    values: dict[str, Any] = {key: stated.get(key) for key in SETTING_KEYS if key in stated}
    values["model"], values["task"], values["views"] = setting_model, setting_task, setting_views
    multi_turn = any(
        isinstance(r, OutputRecord) and r.release and len(r.release.attempts) > 1 for _, r in parsed
    ) or any(isinstance(r, OutputRecord) and r.release and r.release.run_log.get("attempt_files") for _, r in parsed)
    values["multi_turn"] = multi_turn
    if len(setting_model) > 200:
        yield RecordError(where, "the model name is longer than 200 characters")
        return
    yield SettingRecord(
        where,
        name=run_dir.name,
        generator=setting_model,
        task=setting_task,
        values=values,
        label=setting_label(values),
    )
    for message in warnings:
        yield RecordWarning(where, message)
    for folder, record in parsed:
        if isinstance(record, OutputRecord) and record.release:
            own = record.release.run_log.pop("_settings", {})
            problem = setting_disagreement(own, stated)
            if problem:
                record = RecordError(record.where, f"log.json {problem}")
            else:
                record.generator = setting_model
                if setting_task == "image-to-3d":
                    record.prompt = image_slug(folder.name)
        yield record


def setting_disagreement(own: dict[str, Any], stated: dict[str, Any]) -> str:
    """How a record's stated settings differ from the run's (the first record with a log.json), if they do."""
    if not own:
        return ""
    for key in SETTING_KEYS:
        if own.get(key) != stated.get(key):
            return f"says {key} {own.get(key)!r} where the run's other records say {stated.get(key)!r}"
    return ""


def setting_label(values: dict[str, Any]) -> str:
    """A readable summary of a setting: "image-to-3D · 4 views · thinking medium"."""
    parts = ["image-to-3D" if values.get("task") == "image-to-3d" else "text-to-3D"]
    if values.get("task") == "image-to-3d":
        views = values.get("views")
        parts.append("all views" if not views else f"{views} view{'s' if views != 1 else ''}")
    elif values.get("prompt_type"):
        parts.append(str(values["prompt_type"]))
    if values.get("thinking"):
        parts.append(f"thinking {values['thinking']}")
    if values.get("multi_turn"):
        parts.append("multi-turn")
    return " · ".join(parts)


def read_benchmark_output(root: Path, run: str, folder: Path) -> Record:
    where = f"results/{run}/{folder.name}"
    script = folder / f"{folder.name}.py"
    try:
        if not script.is_file() and (folder / "log.json").is_file():
            return no_script(where, read_log(root, folder / "log.json"), script.name)
        code = read_code(_required(root, script), script.name)
        release = read_release_output(root, run, folder, code)
    except BadRecord as exc:
        return RecordError(where, str(exc))
    return OutputRecord(where, generator="", prompt=benchmark_slug(folder.name), code=code, release=release)


def no_script(where: str, log: dict[str, Any], name: str) -> Record:
    """A record whose run produced no script (the model's answer never parsed): nothing to render or judge."""
    status = log.get("status")
    if status in (None, "OK"):
        return RecordError(where, f"{name} is missing (log.json says the run's status was {status!r})")
    detail = f": {log['error']}" if log.get("error") else ""
    return RecordWarning(where, f"no {name}: the run recorded {status}{detail}; nothing imported")


def read_release_output(root: Path, run: str, folder: Path, final_code: str) -> ReleaseOutput:
    """log.json, the attempts' scripts and thinking texts, and .terminal_fail of one instance folder."""
    release = ReleaseOutput(setting=run)
    log = read_log(root, folder / "log.json")
    history = {entry["attempt"]: entry for entry in log.get("render_history") or []}
    attempt_codes: dict[int, str] = {}
    thinking: dict[int, str] = {}
    for path in sorted(folder.iterdir()):
        match = ATTEMPT_FILE.match(path.name)
        if match and match["inst"] == folder.name and path.is_file():
            attempt_codes[int(match["k"])] = read_code(_inside(root, path), path.name)
        match = THINKING_FILE.match(path.name)
        if match and path.is_file():
            thinking[int(match["n"])] = read_code(_inside(root, path), path.name).strip()
    numbers = sorted(set(history) | set(attempt_codes)) or [0]
    if attempt_codes and attempt_codes[max(attempt_codes)] != final_code:
        last = f"{folder.name}.attempt{max(attempt_codes)}.py"
        raise BadRecord(f"{last} differs from {folder.name}.py: the last attempt is the final script")
    # thinking_attempt<N>.txt is the runner's N-th model call (1-based, parse retries included): it is
    # attempt N-1's only when there was one call per attempt.
    calls = log.get("parse_attempts")
    by_attempt = not thinking or calls is None or calls <= len(numbers)
    for number in numbers:
        entry = history.get(number, {})
        code = attempt_codes.get(number, final_code if not attempt_codes and number == numbers[-1] else "")
        release.attempts.append(
            AttemptRecord(
                number=number,
                code=code,
                status=entry.get("status") or "",
                error=entry.get("error_brief") or "",
                n_meshes=entry.get("n_meshes"),
                thinking=thinking.get(number + 1, "") if by_attempt else "",
            )
        )
    run_log: dict[str, Any] = {key: log[key] for key in RUN_LOG_KEYS if key in log}
    if not by_attempt:
        run_log["thinking_by_call"] = {str(n): text for n, text in sorted(thinking.items())}
    fail = folder / ".terminal_fail"
    run_log["terminal_fail"] = fail.is_file()
    if fail.is_file():
        run_log["terminal_fail_reason"] = read_code(_inside(root, fail), ".terminal_fail").strip()[:2000]
    run_log["has_log"] = bool(log)
    run_log["attempt_files"] = bool(attempt_codes)
    run_log["_settings"] = {key: log.get(key) for key in SETTING_KEYS} if log else {}
    release.run_log = run_log
    return release


def read_log(root: Path, path: Path) -> dict[str, Any]:
    """A record's log.json, every field checked against the runner's types; {} when there is none."""
    if not path.is_file():
        return {}
    text = read_code(_inside(root, path), "log.json")
    if len(text) > MAX_LOG_BYTES:
        raise BadRecord(f"log.json is over the {MAX_LOG_BYTES}-byte limit")
    try:
        log = json.loads(text.removeprefix("\ufeff"), parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BadRecord(f"log.json is malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (RecursionError, ValueError) as exc:
        raise BadRecord(f"log.json is malformed JSON ({str(exc).split(':')[0] or 'nested too deeply'})") from None
    if not isinstance(log, dict):
        raise BadRecord("log.json must hold a JSON object")
    check_json_text(log, "log.json")
    for key, types in LOG_FIELDS.items():
        _check_type(log.get(key), types, f"log.json field '{key}'")
    if log.get("task") is not None and log["task"] not in RUNNER_TASKS:
        raise BadRecord(f"log.json field 'task' is {log['task']!r}: expected one of {sorted(RUNNER_TASKS)}")
    if log.get("prompt_type") is not None and log["prompt_type"] not in PROMPT_TYPES:
        raise BadRecord(f"log.json field 'prompt_type' is {log['prompt_type']!r}: expected one of {list(PROMPT_TYPES)}")
    if log.get("max_images") is not None and log["max_images"] < 1:
        raise BadRecord(f"log.json field 'max_images' is {log['max_images']}: expected a positive number of views")
    seen: set[int] = set()
    for i, entry in enumerate(log.get("render_history") or []):
        what = f"log.json field 'render_history[{i}]'"
        if not isinstance(entry, dict):
            raise BadRecord(f"{what} must be a JSON object")
        for key, types in HISTORY_FIELDS.items():
            _check_type(entry.get(key), types, f"{what}.{key}")
        number = entry.get("attempt")
        if number is None or number < 0:
            raise BadRecord(f"{what}.attempt must be a number from 0")
        if number in seen:
            raise BadRecord(f"{what}.attempt {number} is given twice")
        seen.add(number)
    return log


def _check_type(value: Any, types: tuple[type, ...], what: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, types):
        expected = {str: "a string", int: "an integer", float: "a number", list: "a list"}
        names = " or ".join(dict.fromkeys(expected[t] for t in types))
        raise BadRecord(f"{what} must be {names}, not {json.dumps(value)[:40]}")


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
