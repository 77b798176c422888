"""Writes of the arena: importing runs, and (below) battles and votes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from django.core.files import File
from django.db import transaction

from arena.importers import (
    BadRecord,
    GeneratorRecord,
    OutputRecord,
    PromptRecord,
    Record,
    RecordError,
    read_records,
)
from arena.models import Asset, Generator, Prompt, Status


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RecordError] = field(default_factory=list)
    new_assets: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def generator_upsert(*, record: GeneratorRecord) -> tuple[Generator, str]:
    values = {"provider": record.provider, "version": record.version, "metadata": record.metadata}
    generator, created = Generator.objects.get_or_create(name=record.name, defaults=values)
    if created:
        return generator, "created"
    # The benchmark layout knows only names: never wipe richer metadata with blanks.
    changes = {k: v for k, v in values.items() if v and getattr(generator, k) != v}
    if not changes:
        return generator, "unchanged"
    for key, value in changes.items():
        setattr(generator, key, value)
    generator.save(update_fields=list(changes))
    return generator, "updated"


def prompt_upsert(*, record: PromptRecord) -> tuple[Prompt, str, int | None]:
    values = {"task": record.task, "category": record.category, "text": record.text, "instruction": record.instruction}
    prompt, created = Prompt.objects.get_or_create(slug=record.slug, defaults=values)
    outcome = "created" if created else "unchanged"
    changes = {k: v for k, v in values.items() if getattr(prompt, k) != v}
    if changes and not created:
        for key, value in changes.items():
            setattr(prompt, key, value)
        prompt.save(update_fields=list(changes))
        outcome = "updated"
    if record.reference_image and _image_changed(prompt, record.reference_image):
        with record.reference_image.open("rb") as handle:
            prompt.reference_image.save(f"{prompt.public_id}{record.reference_image.suffix.lower()}", File(handle))
        outcome = "created" if created else "updated"
    asset_id = None
    if record.reference_code or record.reference_mesh:
        asset, asset_outcome = asset_upsert(
            prompt=prompt, generator=None, code=record.reference_code, mesh=record.reference_mesh
        )
        asset_id = asset.id if asset_outcome != "unchanged" else None
        if asset_outcome != "unchanged" and outcome == "unchanged":
            outcome = "updated"
    return prompt, outcome, asset_id


def _image_changed(prompt: Prompt, path: Path) -> bool:
    if not prompt.reference_image:
        return True
    try:
        with prompt.reference_image.open("rb") as stored:
            return hashlib.sha256(stored.read()).hexdigest() != sha256_file(path)
    except FileNotFoundError:
        return True


def asset_upsert(*, prompt: Prompt, generator: Generator | None, code: str, mesh: Path | None) -> tuple[Asset, str]:
    """Store a script or mesh; a changed source resets the asset for rendering."""
    digest = sha256_text(code) if code else sha256_file(mesh) if mesh else ""
    lookup = {"prompt": prompt, "is_reference": generator is None, "generator": generator}
    asset = Asset.objects.filter(**lookup).first()
    if asset is not None and asset.source_sha256 == digest:
        return asset, "unchanged"
    outcome = "updated" if asset else "created"
    asset = asset or Asset(**lookup)
    asset.source_code = code
    asset.source_sha256 = digest
    asset.status = Status.PENDING
    asset.error = asset.traceback = asset.log = ""
    if mesh is not None:
        with mesh.open("rb") as handle:
            asset.source_mesh.save(f"{asset.public_id}{mesh.suffix.lower()}", File(handle), save=False)
    else:
        asset.source_mesh.name = ""
    asset.save()
    return asset, outcome


def output_import(*, record: OutputRecord) -> tuple[Asset, str]:
    prompt = Prompt.objects.filter(slug=record.prompt).first()
    if prompt is None:
        raise BadRecord(f"unknown prompt {record.prompt!r} (not in prompts.jsonl nor already imported)")
    generator, _ = Generator.objects.get_or_create(name=record.generator)
    return asset_upsert(prompt=prompt, generator=generator, code=record.code, mesh=record.mesh)


def record_import(*, record: Record, report: ImportReport) -> None:
    """Store one record whole, or nothing of it."""
    if isinstance(record, RecordError):
        report.errors.append(record)
        return
    try:
        with transaction.atomic():
            asset_id = None
            if isinstance(record, GeneratorRecord):
                _, outcome = generator_upsert(record=record)
            elif isinstance(record, PromptRecord):
                _, outcome, asset_id = prompt_upsert(record=record)
            else:
                asset, outcome = output_import(record=record)
                asset_id = asset.id if outcome != "unchanged" else None
    except BadRecord as exc:
        report.errors.append(RecordError(record.where, str(exc)))
        return
    setattr(report, outcome, getattr(report, outcome) + 1)
    if asset_id is not None:
        report.new_assets.append(asset_id)


def run_import(*, path: Path, on_record: Callable[[Record], None] | None = None) -> ImportReport:
    """Import a run folder (manifest or benchmark layout); see docs/import-format.md."""
    report = ImportReport()
    records: Iterable[Record] = read_records(path)
    for record in records:
        record_import(record=record, report=report)
        if on_record:
            on_record(record)
    return report
