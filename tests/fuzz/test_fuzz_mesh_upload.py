"""Bad meshes: refused at import when the type or size is wrong, else a clear status from the sandbox.

An output (or reference) may be a mesh file instead of a script. The importer
only checks its type and size; the renderer imports it with Blender inside
the sandbox, where a corrupt or truncated file must end as ``err_exec`` (or
``err_no_mesh``, ``err_export``) with a message naming the problem, within
the time limit, and without harming the worker.
"""

from __future__ import annotations

import io
import json
import math
import random
import struct
import time
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh

from arena.models import Asset, Status
from arena.services import run_import
from renderer import workers
from renderer.runtime.pool import RenderPool
from renderer.services import asset_render
from tests.fuzz.conftest import MESH_TIMEOUT_S, db_state, sparse, write_jsonl

ALLOWED = "(allowed: .glb, .gltf, .obj, .ply, .stl)"


def box_bytes(suffix: str) -> bytes:
    """A valid 1 x 2 x 3 box in the given format."""
    data = trimesh.creation.box(extents=(1.0, 2.0, 3.0)).export(file_type=suffix.lstrip("."))
    return data if isinstance(data, bytes) else data.encode()


def glb_bytes(document: dict[str, Any], binary: bytes = b"") -> bytes:
    """A GLB container around a glTF document and its binary chunk, however wrong the document is."""
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    body = struct.pack("<II", len(text), 0x4E4F534A) + text
    if binary:
        body += struct.pack("<II", len(binary), 0x004E4942) + binary
    return struct.pack("<III", 0x46546C67, 2, 12 + len(body)) + body


def triangle_glb(points: list[list[float]], count: int | None = None) -> bytes:
    position = np.array(points, dtype=np.float32).tobytes()
    document = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": len(position)}],
        "bufferViews": [{"buffer": 0, "byteLength": len(position)}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": count or len(points), "type": "VEC3",
                       "min": [0, 0, 0], "max": [1, 1, 0]}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "nodes": [{"mesh": 0}],
        "scenes": [{"nodes": [0]}],
        "scene": 0,
    }  # fmt: skip
    return glb_bytes(document, position)


# -- refused by the importer, before anything reads them ----------------------------------


@cache
def zip_bomb() -> bytes:
    """A real zip bomb: 50 MB of zeros in about 50 kB. The importer must look at nothing but its name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.glb", bytes(50 * 1024 * 1024))
    return buffer.getvalue()


ARCHIVES = ["bomb.zip", "bomb.tar", "bomb.tar.gz", "bomb.tgz", "bomb.7z", "bomb.rar", "mesh.glb.gz", "mesh.obj.bz2",
            "mesh.xz", "mesh.fbx", "mesh.blend", "mesh"]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("name", ARCHIVES)
def test_it_refuses_an_archive_or_unknown_type_without_opening_it(manifest: Path, name: str) -> None:
    (manifest / name).write_bytes(zip_bomb())
    write_jsonl(manifest / "outputs.jsonl", [{"generator": "m3", "prompt": "chair", "mesh": name}])
    write_jsonl(manifest / "prompts.jsonl", [{"slug": "chair", "text": "A chair", "reference_mesh": name}])
    report = run_import(path=manifest)
    assert [str(e) for e in report.errors] == [
        f"prompts.jsonl:1: reference_mesh file {name} has an unsupported type {ALLOWED}",
        f"outputs.jsonl:1: mesh file {name} has an unsupported type {ALLOWED}",
    ]
    assert db_state() == {"generators": {"m1"}, "prompts": set(), "references": set(), "outputs": set()}
    assert not any(p.is_file() for p in Path(manifest.parent / "media").rglob("*"))


@pytest.mark.django_db
def test_it_refuses_a_sparse_mesh_over_the_limit_and_takes_an_uppercase_suffix(manifest: Path) -> None:
    sparse(manifest / "huge.stl", 100 * 1024 * 1024 + 1)
    (manifest / "BOX.GLB").write_bytes(box_bytes(".glb"))
    write_jsonl(manifest / "outputs.jsonl", [{"generator": "m3", "prompt": "chair", "mesh": "huge.stl"},
                                             {"generator": "m4", "prompt": "chair", "mesh": "BOX.GLB"}])  # fmt: skip
    started = time.monotonic()
    report = run_import(path=manifest)
    assert time.monotonic() - started < 5  # the size comes from stat(), the file is never read
    assert [str(e) for e in report.errors] == [
        "outputs.jsonl:1: mesh file huge.stl is 104857601 bytes, over the 104857600-byte limit"
    ]
    assert db_state()["outputs"] == {("m4", "chair")}
    assert Asset.objects.get(generator__name="m4").source_mesh.name.endswith(".glb")


# -- through the real sandboxed renderer --------------------------------------------------

MeshCase = tuple[str, Callable[[], bytes], set[str], str]

CASES: list[MeshCase] = [
    ("random.glb", lambda: random.Random(1).randbytes(4096), {"err_exec"}, "could not import .glb file: "),
    ("half.glb", lambda: box_bytes(".glb")[: len(box_bytes(".glb")) // 2], {"err_exec"},
     "could not import .glb file: Error: Bad GLB: file size doesn't match"),
    ("header_only.glb", lambda: box_bytes(".glb")[:12], {"err_exec"}, "Bad GLB"),
    ("bad_json.glb", lambda: glb_bytes({})[:20] + b"{{{{" + glb_bytes({})[24:], {"err_exec"}, "Bad glTF"),
    ("lying_length.glb", lambda: struct.pack("<III", 0x46546C67, 2, 2**31) + box_bytes(".glb")[12:], {"err_exec"},
     "Bad GLB: file size doesn't match"),
    ("huge_count.glb", lambda: triangle_glb([[0, 0, 0], [1, 0, 0], [0, 1, 0]], count=2**31 - 1), {"err_exec"},
     # numpy refuses the allocation at once, or its pages are touched and the job's memory limit ends it.
     ("Unable to allocate", "ran out of memory: the job's limit is")),
    ("not_json.gltf", lambda: b'{"asset": ', {"err_exec"}, "could not import .gltf file: Error: Bad glTF: json error"),
    ("escaping_buffer.gltf", lambda: json.dumps({
        "asset": {"version": "2.0"}, "buffers": [{"uri": "../../../etc/passwd", "byteLength": 36}],
        "bufferViews": [{"buffer": 0, "byteLength": 36}],
        "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3"}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}], "nodes": [{"mesh": 0}],
        "scenes": [{"nodes": [0]}]}).encode(), {"err_exec"}, "Missing resource, '../../../etc/passwd'"),
    ("half.ply", lambda: box_bytes(".ply")[: len(box_bytes(".ply")) // 2], {"err_exec"},
     "could not import .ply file: Error: PLY Importer: failed importing"),
    ("lying_header.ply", lambda: b"ply\nformat ascii 1.0\nelement vertex 100000000\nproperty float x\n"
     b"property float y\nproperty float z\nend_header\n", {"err_exec"}, "PLY Importer: failed importing"),
    ("half.stl", lambda: box_bytes(".stl")[: len(box_bytes(".stl")) // 2 + 3], {"err_no_mesh"}, "no mesh object"),
    ("lying_count.stl", lambda: bytes(80) + struct.pack("<I", 10**9) + bytes(50), {"err_no_mesh"}, "no mesh object"),
    ("no_vertices.obj", lambda: b"f a b c\nvt x\n# nothing here\n", {"err_no_mesh"}, "no mesh object"),
]  # fmt: skip


@pytest.fixture
def run_mesh(mesh_pool: RenderPool, tmp_path: Path) -> Callable[[str, bytes], dict[str, Any]]:
    def run(name: str, data: bytes) -> dict[str, Any]:
        upload = tmp_path / name
        upload.write_bytes(data)
        started = time.monotonic()
        result = mesh_pool.run(upload, tmp_path / f"out_{name}")
        result["elapsed"] = time.monotonic() - started
        return result

    return run


@pytest.mark.parametrize("name, build, statuses, message", CASES, ids=[c[0] for c in CASES])
def test_it_gives_a_clear_error_for_a_corrupt_mesh(run_mesh: Any, name: str, build: Any, statuses: set[str],
                                                   message: str) -> None:  # fmt: skip
    result = run_mesh(name, build())
    messages = message if isinstance(message, tuple) else (message,)
    found = (result["status"], result["error"])
    assert result["status"] in statuses and any(m in result["error"] for m in messages), found
    assert result["elapsed"] < MESH_TIMEOUT_S
    assert not result["files"].get("glb")  # nothing to show in the arena


@pytest.mark.parametrize(
    "name, data",
    [
        ("nan.obj", b"v nan 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"),
        ("inf.obj", b"v 1e999 0 0\nv 1 0 0\nv 0 -inf 0\nf 1 2 3\n"),
        ("garbage_faces.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 99999999999\nf -5 -6 -7\nf a b\nf\n"),
        ("nan.stl", b"solid x\nfacet normal 0 0 0\nouter loop\nvertex nan 0 0\nvertex 1 0 0\nvertex 0 1 0\n"
                    b"endloop\nendfacet\nendsolid x\n"),
        ("nan.glb", triangle_glb([[0, 0, 0], [1, 0, 0], [math.nan, 1, 0]])),
    ],
)  # fmt: skip
def test_it_never_exports_nan_coordinates(run_mesh: Any, name: str, data: bytes) -> None:
    # Blender's importers read NaN and infinity as 0 or drop the bad elements; if one ever lets them
    # through, the export step refuses them (err_export) instead of writing an unreadable GLB.
    result = run_mesh(name, data)
    if result["status"] == "err_export":
        assert "vertices with NaN or infinite coordinates" in result["error"]
    else:
        assert result["status"] == "ok", result["error"]
        stats = result["stats"]
        assert stats["vertices"] > 0 and all(math.isfinite(v) for v in stats["bbox_min"] + stats["bbox_max"])


@pytest.mark.parametrize("seed", range(3))
def test_it_survives_random_damage_to_a_valid_mesh(run_mesh: Any, seed: int) -> None:
    rng = random.Random(seed)
    for suffix in (".glb", ".obj", ".ply", ".stl"):
        data = bytearray(box_bytes(suffix))
        kind = rng.choice(["cut", "flip", "noise"])
        if kind == "cut":
            data = data[: rng.randrange(1, len(data))]
        elif kind == "flip":
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            data = bytearray(rng.randbytes(rng.randint(1, 2048)))
        result = run_mesh(f"damaged_{seed}{suffix}", bytes(data))
        assert result["status"] in {"ok", "err_exec", "err_no_mesh", "err_export"}, (kind, suffix, result)
        assert result["elapsed"] < MESH_TIMEOUT_S
        if result["status"] == "ok":
            assert all(math.isfinite(v) for v in result["stats"]["bbox_min"] + result["stats"]["bbox_max"])
        else:
            assert result["error"].strip(), (kind, suffix, result)


def test_the_worker_still_renders_after_the_corrupt_meshes(run_mesh: Any) -> None:
    for name, build, _, _ in CASES[:4]:
        run_mesh(name, build())
    result = run_mesh("box.obj", box_bytes(".obj"))
    assert result["status"] == "ok", result["error"]
    assert sorted(round(v, 4) for v in result["stats"]["dimensions"]) == [1.0, 2.0, 3.0]


@pytest.mark.django_db
def test_it_imports_corrupt_meshes_and_stores_a_clear_render_status(
    manifest: Path, mesh_pool: RenderPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    (manifest / "box.glb").write_bytes(box_bytes(".glb"))
    (manifest / "half.glb").write_bytes(box_bytes(".glb")[:300])
    (manifest / "noise.obj").write_bytes(random.Random(5).randbytes(1000))
    meshes = [("m1", "box.glb"), ("m2", "half.glb"), ("m3", "noise.obj")]
    write_jsonl(manifest / "outputs.jsonl", [{"generator": g, "prompt": "chair", "mesh": f} for g, f in meshes])
    report = run_import(path=manifest)
    assert report.ok, report.errors
    monkeypatch.setattr(workers, "_pool", mesh_pool)  # render with the warm session pool
    statuses = {}
    for asset in Asset.objects.filter(is_reference=False).select_related("generator"):
        rendered = asset_render(asset_id=asset.id)
        assert rendered is not None
        statuses[asset.generator.name] = (rendered.status, rendered.error, bool(rendered.glb))
    assert statuses["m1"] == (Status.OK, "", True)
    assert statuses["m2"][0] == Status.ERR_EXEC and statuses["m2"][2] is False
    assert statuses["m2"][1].startswith("could not import .glb file: Error: Bad GLB")
    assert statuses["m3"][0] in (Status.ERR_EXEC, Status.ERR_NO_MESH) and statuses["m3"][1] and not statuses["m3"][2]
