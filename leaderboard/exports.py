"""Writing exported battles in the three formats."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

FORMATS = ("fastchat", "jsonl", "csv")
CONTENT_TYPES = {"fastchat": "application/json", "jsonl": "application/x-ndjson", "csv": "text/csv"}
EXTENSIONS = {"fastchat": "json", "jsonl": "jsonl", "csv": "csv"}


def chunks(rows: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    """The export as text chunks, so large exports stream."""
    if fmt == "fastchat":
        yield "["
        for i, row in enumerate(rows):
            yield ("," if i else "") + "\n" + json.dumps(row)
        yield "\n]\n"
    elif fmt == "jsonl":
        for row in rows:
            yield json.dumps(row) + "\n"
    elif fmt == "csv":
        yield from _csv_chunks(rows)
    else:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {FORMATS}")


class _Line:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A row with each object field spread into columns (``features_a.triangles``)."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{name}": inner for name, inner in value.items()})
        else:
            flat[key] = value
    return flat


def _csv_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    writer: csv.DictWriter[str] | None = None
    line = _Line()
    for row in map(_flat, rows):
        if writer is None:
            writer = csv.DictWriter(line, fieldnames=list(row))
            writer.writeheader()
        writer.writerow(row)
        yield line.text
        line.text = ""


def write(rows: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> None:
    for chunk in chunks(rows, fmt):
        out.write(chunk)
