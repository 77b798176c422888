"""What an uploaded file really is: checks by content, not by name (no Django, no ``bpy``).

`check_upload(suffix, data)` confirms that the bytes are what the suffix
claims (binary or JSON glTF, PLY, binary or ASCII STL, OBJ, UTF-8 Python
source) and returns the script text for a ``.py`` file; anything else raises
`NotThatType` with a one-line reason, and, when the content is recognisable
as another type, what it looks like. The checks read headers and structure
only: a file that passes may still fail to import in Blender, which the
render then reports as a status.
"""

from __future__ import annotations

import json
import re
import struct
from typing import Any

SCRIPT_SUFFIX = ".py"
MESH_SUFFIXES = (".glb", ".gltf", ".obj", ".ply", ".stl")
SUFFIXES = (SCRIPT_SUFFIX, *MESH_SUFFIXES)
MAX_SCRIPT_BYTES = 1024 * 1024

NAMES = {
    ".glb": "a binary glTF (GLB) file",
    ".gltf": "a JSON glTF file",
    ".obj": "an OBJ mesh",
    ".ply": "a PLY mesh",
    ".stl": "an STL mesh",
    ".py": "a Python script",
}

GLB_MAGIC = b"glTF"
GLB_JSON = 0x4E4F534A
OBJ_STATEMENTS = frozenset(
    "v vt vn vp f l p o g s mg mtllib usemtl usemap maplib cstype deg bmat step curv curv2 surf parm trim hole "
    "scrv sp end con bevel c_interp d_interp lod shadow_obj trace_obj ctech stech call csh".split()
)
PLY_FORMAT = re.compile(rb"^format (ascii|binary_little_endian|binary_big_endian) 1\.0$")
PLY_SIZES = {
    b"char": 1, b"uchar": 1, b"int8": 1, b"uint8": 1, b"short": 2, b"ushort": 2, b"int16": 2, b"uint16": 2,
    b"int": 4, b"uint": 4, b"int32": 4, b"uint32": 4, b"float": 4, b"float32": 4, b"double": 8, b"float64": 8,
}  # fmt: skip


class NotThatType(ValueError):
    """The content is not what the file name says (the message says why)."""


def check_upload(suffix: str, data: bytes) -> str:
    """Check `data` against the type its `suffix` claims; return the source text of a script, else ''."""
    if suffix not in SUFFIXES:
        raise NotThatType(f"unsupported file type {suffix or '(none)'!r}; allowed: {', '.join(SUFFIXES)}")
    if not data:
        raise NotThatType("the file is empty")
    try:
        if suffix == SCRIPT_SUFFIX:
            return _python(data)
        CHECKS[suffix](data)
    except NotThatType as exc:
        looks = looks_like(data)
        hint = f"; its content looks like {NAMES[looks]}" if looks and looks != suffix else ""
        raise NotThatType(f"not {NAMES[suffix]}: {exc}{hint}") from None
    return ""


def looks_like(data: bytes) -> str | None:
    """The suffix whose content check `data` passes, if any (scripts only when nothing else fits)."""
    for suffix, check in CHECKS.items():
        try:
            check(data)
        except NotThatType:
            continue
        return suffix
    return None


# -- glTF ---------------------------------------------------------------------


def _glb(data: bytes) -> None:
    if len(data) < 12 or data[:4] != GLB_MAGIC:
        raise NotThatType("it does not start with the binary glTF magic 'glTF'")
    version, length = struct.unpack_from("<II", data, 4)
    if version != 2:
        raise NotThatType(f"binary glTF version {version}; only version 2 is supported")
    if length != len(data):
        raise NotThatType(f"the header declares {length} bytes but the file has {len(data)} (truncated?)")
    offset, index = 12, 0
    while offset < length:
        if offset + 8 > length:
            raise NotThatType(f"chunk {index} header runs past the end of the file (truncated?)")
        size, kind = struct.unpack_from("<II", data, offset)
        if offset + 8 + size > length:
            raise NotThatType(f"chunk {index} declares {size} bytes but only {length - offset - 8} follow (truncated?)")
        if index == 0:
            if kind != GLB_JSON:
                raise NotThatType("the first chunk is not the JSON chunk")
            _gltf_json(data[offset + 8 : offset + 8 + size], binary=True)
        offset, index = offset + 8 + size, index + 1
    if index == 0:
        raise NotThatType("it has no JSON chunk")


def _gltf(data: bytes) -> None:
    document = _gltf_json(data, binary=False)
    for index, buffer in enumerate(document.get("buffers") or []):
        uri = buffer.get("uri") if isinstance(buffer, dict) else None
        if not isinstance(uri, str) or not uri.startswith("data:"):
            raise NotThatType(
                f"buffer {index} is not embedded (uri {uri!r}); embed buffers as data: URIs or upload a .glb"
            )


def _gltf_json(raw: bytes, *, binary: bool) -> dict[str, Any]:
    where = "the JSON chunk" if binary else "the file"
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise NotThatType(f"{where} is not UTF-8 text (byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        raise NotThatType(f"{where} is not valid JSON ({str(exc).split(':')[0]})") from None
    asset = document.get("asset") if isinstance(document, dict) else None
    if not isinstance(asset, dict) or not str(asset.get("version", "")).startswith("2."):
        raise NotThatType(f'{where} has no glTF 2.0 "asset": {{"version": "2.0"}} object')
    return document  # type: ignore[no-any-return]


# -- PLY ----------------------------------------------------------------------


def _ply(data: bytes) -> None:
    if not (data.startswith(b"ply\n") or data.startswith(b"ply\r\n")):
        raise NotThatType("it does not start with the PLY magic line 'ply'")
    end = data.find(b"end_header", 0, 1 << 16)
    if end < 0:
        raise NotThatType("no 'end_header' line in the first 64 KiB")
    body_start = data.find(b"\n", end) + 1 or len(data)
    lines = [line.strip() for line in data[:end].splitlines()[1:]]
    formats = [line for line in lines if line.startswith(b"format ")]
    if len(formats) != 1 or not PLY_FORMAT.match(formats[0]):
        raise NotThatType("the header needs one 'format ascii|binary_little_endian|binary_big_endian 1.0' line")
    elements = _ply_elements(lines)
    if not elements or elements[0][0] != b"vertex" or elements[0][1] == 0:
        raise NotThatType("the header declares no vertices ('element vertex N' first, N > 0)")
    if formats[0] == b"format ascii 1.0":
        rows = sum(count for _, count, _ in elements)
        found = sum(1 for line in data[body_start:].splitlines() if line.strip())
        if found < rows:
            raise NotThatType(f"the header declares {rows} rows of data but {found} lines follow (truncated?)")
    else:
        fixed = 0
        for _, count, row in elements:
            if row is None:  # a list property: the rest has no fixed size
                break
            fixed += count * row
        if len(data) - body_start < fixed:
            raise NotThatType(
                f"the header declares {fixed} bytes of data but {len(data) - body_start} follow (truncated?)"
            )


def _ply_elements(lines: list[bytes]) -> list[tuple[bytes, int, int | None]]:
    """(name, count, bytes per row or None with a list property) of each element."""
    elements: list[tuple[bytes, int, int | None]] = []
    for line in lines:
        words = line.split()
        if words[:1] == [b"element"] and len(words) == 3 and words[2].isdigit():
            elements.append((words[1], int(words[2]), 0))
        elif words[:1] == [b"property"] and elements:
            name, count, row = elements[-1]
            size = PLY_SIZES.get(words[1]) if len(words) == 3 else None
            if words[1] != b"list" and size is None:
                raise NotThatType(f"unknown property type {words[1].decode('ascii', 'replace')!r}")
            elements[-1] = (name, count, None if row is None or size is None else row + size)
    return elements


# -- STL ----------------------------------------------------------------------


def _stl(data: bytes) -> None:
    if len(data) >= 84:
        (triangles,) = struct.unpack_from("<I", data, 80)
        if 84 + 50 * triangles == len(data):
            if triangles == 0:
                raise NotThatType("the binary STL declares no triangles")
            return
    if data.lstrip()[:5].lower() == b"solid":
        _stl_ascii(data)
        return
    if len(data) < 84:
        raise NotThatType(f"{len(data)} bytes is too short for a binary STL (84-byte header) and it is not ASCII STL")
    raise NotThatType(
        f"the binary STL header declares {triangles} triangles ({84 + 50 * triangles} bytes) "
        f"but the file has {len(data)} bytes (truncated?)"
    )


def _stl_ascii(data: bytes) -> None:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise NotThatType(f"it starts like ASCII STL but byte {exc.start} is not ASCII") from None
    words = text.lower().split()
    if "endsolid" not in words[-3:]:
        raise NotThatType("the ASCII STL does not end with 'endsolid' (truncated?)")
    facets, ends = words.count("facet"), words.count("endfacet")
    if facets == 0 or facets != ends:
        raise NotThatType(f"the ASCII STL has {facets} 'facet' and {ends} 'endfacet' lines")


# -- OBJ ----------------------------------------------------------------------


def _obj(data: bytes) -> None:
    text = _text(data)
    vertices = 0
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] not in OBJ_STATEMENTS:
            raise NotThatType(f"line {number}: {words[0][:20]!r} is not an OBJ statement")
        if words[0] == "v":
            _obj_vertex(words, number)
            vertices += 1
        elif words[0] in ("f", "l", "p"):
            _obj_element(words, number, vertices)
    if vertices == 0:
        raise NotThatType("it has no vertices ('v' lines)")


def _obj_vertex(words: list[str], number: int) -> None:
    try:
        if len(words) < 4:
            raise ValueError
        [float(w) for w in words[1:4]]
    except ValueError:
        raise NotThatType(f"line {number}: a vertex needs three numbers") from None


def _obj_element(words: list[str], number: int, vertices: int) -> None:
    if len(words) < (4 if words[0] == "f" else 2):
        raise NotThatType(
            f"line {number}: {'a face needs three' if words[0] == 'f' else 'needs at least one'} vertices"
        )
    for word in words[1:]:
        try:
            index = int(word.split("/", 1)[0])
        except ValueError:
            raise NotThatType(f"line {number}: {word[:20]!r} is not a vertex index") from None
        if index == 0 or abs(index) > vertices:
            raise NotThatType(f"line {number}: vertex {index} is not among the {vertices} defined before it")


# -- Python -------------------------------------------------------------------


def _text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotThatType(f"it is not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise NotThatType(f"it contains a NUL byte (character {text.index(chr(0))}): binary, not text")
    return text


def _python(data: bytes) -> str:
    if len(data) > MAX_SCRIPT_BYTES:
        raise NotThatType(f"scripts are limited to {MAX_SCRIPT_BYTES // 1024} KiB")
    text = _text(data)
    if not text.strip():
        raise NotThatType("the script contains no code")
    # A script with a syntax error is a legitimate (failing) output: it renders to err_exec.
    # Mesh data is a wrong file, not a failing script (a JSON glTF even parses as Python).
    if looks_like(data):
        raise NotThatType("it is mesh data, not source code")
    return text


CHECKS = {".glb": _glb, ".gltf": _gltf, ".ply": _ply, ".stl": _stl, ".obj": _obj}
