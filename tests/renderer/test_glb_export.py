"""The browser GLB: anonymised, meshopt-compressed (or Draco), plus the plain metrics GLB."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import trimesh

from renderer.runtime.config import RenderConfig
from renderer.runtime.glb import GENERATOR, GLTFPACK_CLI, anonymise, meshopt_compress_file, read_glb, write_glb
from renderer.runtime.pool import RenderPool
from tests.conftest import missing_service
from tests.renderer.conftest import SCRIPTS

MESHOPT = ("EXT_meshopt_compression", "KHR_mesh_quantization")
MONKEY = (
    "import bpy\nbpy.ops.mesh.primitive_monkey_add()\n"
    "bpy.context.active_object.modifiers.new('s', 'SUBSURF').levels = 2\n"
)


@pytest.fixture
def gltfpack() -> None:
    """gltfpack comes from npm (package.json); without it the meshopt path cannot be checked."""
    if not Path(os.environ.get("GLTFPACK") or GLTFPACK_CLI).is_file():
        missing_service(f"needs gltfpack from npm at {GLTFPACK_CLI} (npm ci)")


SECRETS = (b"GPT5_secret", b"Khronos", b"Blender", b"author")


def test_it_removes_names_and_generator_from_both_glbs(pool, tmp_path: Path) -> None:
    result = pool.run(SCRIPTS / "box_2x4x6.py", tmp_path)
    assert result["status"] == "ok"
    for name in ("model.glb", "mesh.glb"):
        data = (tmp_path / name).read_bytes()
        for secret in SECRETS:
            assert secret not in data, (name, secret)
        document, _ = read_glb(data)
        assert document["asset"] == {"version": "2.0", "generator": GENERATOR}
        assert document["nodes"][0]["name"] == "node_0"
        assert "materials" not in document


def test_it_compresses_the_browser_glb_with_meshopt_by_default(gltfpack, run_script, tmp_path: Path) -> None:
    result = run_script(MONKEY)
    assert result["status"] == "ok"
    out = tmp_path / "out_job"
    model, _ = read_glb((out / "model.glb").read_bytes())
    plain, _ = read_glb((out / "mesh.glb").read_bytes())
    assert set(MESHOPT) <= set(model["extensionsUsed"])
    assert "EXT_meshopt_compression" in model["extensionsRequired"]
    assert not plain.get("extensionsUsed"), "the metrics GLB must stay plain"
    assert model["asset"] == {"version": "2.0", "generator": GENERATOR}
    # mesh.glb holds positions and indices only; model.glb adds normals and still takes under 70% of it.
    assert (out / "model.glb").stat().st_size < 0.7 * (out / "mesh.glb").stat().st_size
    assert result["stats"]["glb_bytes"] == (out / "model.glb").stat().st_size
    assert result["timings"]["compress"] > 0


def test_it_keeps_the_plain_glb_for_browsers_when_gltfpack_is_missing(run_script, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GLTFPACK", str(tmp_path / "no-such-cli.js"))
    result = run_script(MONKEY)
    assert result["status"] == "ok", "a missing compressor is not the script's failure"
    out = tmp_path / "out_job"
    model, _ = read_glb((out / "model.glb").read_bytes())
    assert not model.get("extensionsUsed")
    assert model["asset"] == {"version": "2.0", "generator": GENERATOR}
    assert sorted(path.name for path in out.iterdir()) == ["mesh.glb", "model.glb", "result.json"]


def test_it_compresses_the_browser_glb_with_draco_when_asked(tmp_path: Path) -> None:
    script = tmp_path / "monkey.py"
    script.write_text(MONKEY, encoding="utf-8")
    with RenderPool(RenderConfig(workers=1, views=0, compress="draco")) as draco:
        result = draco.run(script, tmp_path / "out")
    assert result["status"] == "ok"
    model, _ = read_glb((tmp_path / "out" / "model.glb").read_bytes())
    plain, _ = read_glb((tmp_path / "out" / "mesh.glb").read_bytes())
    assert "KHR_draco_mesh_compression" in model["extensionsUsed"]
    assert "KHR_draco_mesh_compression" not in plain.get("extensionsUsed", [])
    # mesh.glb holds positions and indices only; model.glb adds normals and still takes under half.
    assert (tmp_path / "out" / "model.glb").stat().st_size * 2 < (tmp_path / "out" / "mesh.glb").stat().st_size


def named_glb() -> bytes:
    """A GLB whose node, mesh and metadata name its author, as an exporter may write it."""
    body = trimesh.creation.icosphere(subdivisions=3)
    body.metadata["name"] = "GPT5_secret body"
    scene = trimesh.Scene()
    scene.add_geometry(body, node_name="GPT5_secret node", geom_name="GPT5_secret mesh")
    document, rest = read_glb(scene.export(file_type="glb"))
    document["asset"]["copyright"] = "author"
    document["nodes"][0]["extras"] = {"author": "GPT5_secret"}
    return write_glb(document, rest)


def test_it_compresses_a_glb_with_meshopt_and_keeps_it_anonymous(gltfpack, tmp_path: Path) -> None:
    path = tmp_path / "model.glb"
    original = named_glb()
    assert b"GPT5_secret" in original
    path.write_bytes(original)
    meshopt_compress_file(path)
    data = path.read_bytes()
    for secret in SECRETS + (b"gltfpack", b"trimesh"):
        assert secret not in data, secret
    document, _ = read_glb(data)
    assert set(MESHOPT) <= set(document["extensionsUsed"])
    assert document["asset"] == {"version": "2.0", "generator": GENERATOR}
    assert all(node["name"] == f"node_{i}" for i, node in enumerate(document["nodes"]))
    assert all(mesh["name"] == f"mesh_{i}" for i, mesh in enumerate(document["meshes"]))
    assert "extras" not in json.dumps(document)
    assert len(data) < len(original)
    assert [p.name for p in tmp_path.iterdir()] == ["model.glb"]


def test_it_leaves_the_glb_as_it_was_when_gltfpack_fails(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "model.glb"
    path.write_bytes(b"glTF not really")
    with pytest.raises(RuntimeError, match="gltfpack could not compress model.glb"):
        meshopt_compress_file(path)
    monkeypatch.setenv("GLTFPACK", str(tmp_path / "no-such-cli.js"))
    path.write_bytes(named_glb())
    with pytest.raises(RuntimeError, match="gltfpack could not compress model.glb"):
        meshopt_compress_file(path)
    assert path.read_bytes() == named_glb()
    assert [p.name for p in tmp_path.iterdir()] == ["model.glb"]


def test_it_rewrites_a_glb_json_chunk_losslessly() -> None:
    document = {
        "asset": {"version": "2.0", "generator": "Khronos glTF Blender I/O", "copyright": "someone"},
        "nodes": [{"name": "Suzanne", "mesh": 0, "extras": {"author": "x"}}],
        "meshes": [{"name": "SuzanneMesh", "primitives": [{"attributes": {"POSITION": 0}, "extras": {}}]}],
        "materials": [{"name": "Gold"}],
    }
    rest = b"\x08\x00\x00\x00BIN\x00" + b"\x01" * 8
    rebuilt = write_glb(anonymise(document), rest)
    clean, tail = read_glb(rebuilt)
    assert tail == rest
    assert len(rebuilt) % 4 == 0
    assert clean["asset"] == {"version": "2.0", "generator": GENERATOR}
    assert [clean["nodes"][0]["name"], clean["meshes"][0]["name"], clean["materials"][0]["name"]] == [
        "node_0",
        "mesh_0",
        "material_0",
    ]
    assert "extras" not in json.dumps(clean)


def test_it_keeps_materials_under_neutral_names_when_asked(tmp_path: Path) -> None:
    with RenderPool(RenderConfig(workers=1, views=0, strip_materials=False)) as keeping:
        result = keeping.run(SCRIPTS / "box_2x4x6.py", tmp_path)
    assert result["status"] == "ok"
    data = (tmp_path / "model.glb").read_bytes()
    assert b"GPT5_secret" not in data
    document, _ = read_glb(data)
    assert [material["name"] for material in document["materials"]] == ["material_0"]
