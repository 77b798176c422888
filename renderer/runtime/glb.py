"""Reading and rewriting the JSON chunk of binary glTF (GLB) files.

Pure Python, no ``bpy``: the exporter's output is post-processed here so
that nothing in a GLB tells which model wrote the script (object names,
custom properties, the exporter's generator string), and browser GLBs are
compressed with meshopt by ``gltfpack`` (Node.js, WebAssembly) on the host.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
from pathlib import Path
from typing import Any

MAGIC = b"glTF"
JSON_CHUNK = 0x4E4F534A
GENERATOR = "3d-code-arena"
GLTFPACK_CLI = Path(__file__).resolve().parents[2] / "node_modules" / "gltfpack" / "cli.js"
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


def gltfpack_command(source: Path, target: Path) -> list[str]:
    """The ``gltfpack`` call that writes a meshopt-compressed, quantised copy of ``source``.

    ``-cc``: meshopt compression (``EXT_meshopt_compression``) at its higher
    ratio; quantisation (``KHR_mesh_quantization``) at gltfpack's defaults,
    14-bit positions and 8-bit normals. gltfpack runs as WebAssembly under
    Node.js, from ``node_modules`` (``package.json`` pins it) or from the
    ``GLTFPACK`` environment variable (the path of its ``cli.js``).
    """
    cli = os.environ.get("GLTFPACK") or str(GLTFPACK_CLI)
    return ["node", cli, "-i", str(source), "-o", str(target), "-cc"]


def meshopt_compress_file(path: str | Path, timeout_s: float = 120.0) -> None:
    """Rewrite a GLB file in place, meshopt-compressed and anonymised.

    Raises
    ------
    RuntimeError
        If gltfpack is missing, fails or runs out of time; the file is then
        left as it was.
    """
    source = Path(path)
    target = source.with_name(f".{source.stem}.meshopt.glb")
    command = gltfpack_command(source, target)
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        target.unlink(missing_ok=True)
        raise RuntimeError(f"gltfpack could not compress {source.name}: {exc}") from None
    if done.returncode != 0 or not target.is_file():
        target.unlink(missing_ok=True)
        message = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"gltfpack could not compress {source.name}: {message[-1] if message else done.returncode}")
    anonymise_file(target)
    target.replace(source)
