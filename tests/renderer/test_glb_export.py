"""The browser GLB: anonymised, Draco-compressed, plus the plain metrics GLB."""

from __future__ import annotations

import json
from pathlib import Path

from renderer.config import RenderConfig
from renderer.glb import GENERATOR, anonymise, read_glb, write_glb
from renderer.pool import RenderPool
from tests.renderer.conftest import SCRIPTS

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


def test_it_compresses_the_browser_glb_with_draco(run_script, tmp_path: Path) -> None:
    result = run_script(
        "import bpy\nbpy.ops.mesh.primitive_monkey_add()\n"
        "bpy.context.active_object.modifiers.new('s', 'SUBSURF').levels = 2\n"
    )
    assert result["status"] == "ok"
    out = tmp_path / "out_job"
    model, _ = read_glb((out / "model.glb").read_bytes())
    plain, _ = read_glb((out / "mesh.glb").read_bytes())
    assert "KHR_draco_mesh_compression" in model["extensionsUsed"]
    assert "KHR_draco_mesh_compression" not in plain.get("extensionsUsed", [])
    # mesh.glb holds positions and indices only; model.glb adds normals and still takes under half.
    assert (out / "model.glb").stat().st_size * 2 < (out / "mesh.glb").stat().st_size


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
