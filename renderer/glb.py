"""Reading and rewriting the JSON chunk of binary glTF (GLB) files.

Pure Python, no ``bpy``: the exporter's output is post-processed here so
that nothing in a GLB tells which model wrote the script (object names,
custom properties, the exporter's generator string).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

MAGIC = b"glTF"
JSON_CHUNK = 0x4E4F534A
GENERATOR = "3d-code-arena"
NAMED_LISTS = {
    "nodes": "node",
    "meshes": "mesh",
    "materials": "material",
    "scenes": "scene",
    "images": "image",
    "textures": "texture",
    "samplers": "sampler",
    "accessors": None,
    "bufferViews": None,
    "buffers": None,
    "cameras": None,
    "skins": None,
    "animations": None,
}


def read_glb(data: bytes) -> tuple[dict[str, Any], bytes]:
    """Split a GLB into its JSON document and the bytes after the JSON chunk.

    Raises
    ------
    ValueError
        If ``data`` is not a version-2 GLB.
    """
    magic, version, _length = struct.unpack_from("<4sII", data, 0)
    if magic != MAGIC or version != 2:
        raise ValueError("not a glTF 2.0 binary file")
    chunk_length, chunk_type = struct.unpack_from("<II", data, 12)
    if chunk_type != JSON_CHUNK:
        raise ValueError("GLB does not start with a JSON chunk")
    document = json.loads(data[20 : 20 + chunk_length].decode("utf-8"))
    return document, data[20 + chunk_length :]


def write_glb(document: dict[str, Any], rest: bytes) -> bytes:
    """Assemble a GLB from a JSON document and the following chunks."""
    text = json.dumps(document, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 4)
    header_length = 12 + 8 + len(text) + len(rest)
    return struct.pack("<4sII", MAGIC, 2, header_length) + struct.pack("<II", len(text), JSON_CHUNK) + text + rest


def _drop_extras(value: Any) -> Any:
    """Remove every ``extras`` member (custom properties) recursively."""
    if isinstance(value, dict):
        return {key: _drop_extras(item) for key, item in value.items() if key != "extras"}
    if isinstance(value, list):
        return [_drop_extras(item) for item in value]
    return value


def anonymise(document: dict[str, Any]) -> dict[str, Any]:
    """Return ``document`` with neutral names and no authoring metadata.

    Names become ``node_0``, ``mesh_0``, ``material_0`` ...; ``extras`` and
    ``asset.copyright`` disappear; ``asset.generator`` becomes a fixed string.
    """
    clean = _drop_extras(document)
    for key, prefix in NAMED_LISTS.items():
        for index, item in enumerate(clean.get(key, [])):
            if not isinstance(item, dict):
                continue
            item.pop("name", None)
            if prefix is not None:
                item["name"] = f"{prefix}_{index}"
    clean["asset"] = {"version": "2.0", "generator": GENERATOR}
    return clean


def anonymise_file(path: str | Path) -> None:
    """Rewrite a GLB file in place with :func:`anonymise`."""
    target = Path(path)
    document, rest = read_glb(target.read_bytes())
    target.write_bytes(write_glb(anonymise(document), rest))
