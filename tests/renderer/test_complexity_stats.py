"""The job's complexity statistics: connected parts of the mesh, and how much of the clay view the shape fills."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

# Object one: two cubes apart, joined into one mesh (two parts). Object two: two cubes sharing a face,
# merged into one piece (one part).
PARTS = """\
import bmesh
import bpy
from mathutils import Matrix


def cubes(name, offsets, merge):
    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    for offset in offsets:
        bmesh.ops.create_cube(bm, size=1.0, matrix=Matrix.Translation(offset))
    if merge:
        bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-4)
    bm.to_mesh(mesh)
    bm.free()
    bpy.context.scene.collection.objects.link(bpy.data.objects.new(name, mesh))


cubes("apart", [(0, 0, 0), (3, 0, 0)], merge=False)
cubes("joined", [(0, 3, 0), (1, 3, 0)], merge=True)
"""

# The same bounding box (2 m a side), framed the same way: a full cube, and a thin rod along its diagonal.
CUBE = "import bpy\nbpy.ops.mesh.primitive_cube_add(size=2.0)\n"
ROD = """\
import bpy
from mathutils import Vector
bpy.ops.mesh.primitive_cylinder_add(radius=0.04, depth=3.4)
rod = bpy.context.active_object
rod.rotation_mode = "QUATERNION"
rod.rotation_quaternion = Vector((0, 0, 1)).rotation_difference(Vector((1, 1, 1)))
"""


def _run(pool, tmp_path: Path, name: str, source: str) -> dict:
    script = tmp_path / f"{name}.py"
    script.write_text(source, encoding="utf-8")
    result = pool.run(script, tmp_path / name)
    assert result["status"] == "ok", result["error"]
    return result


def test_it_counts_the_connected_parts_over_all_mesh_objects(pool, tmp_path: Path) -> None:
    stats = _run(pool, tmp_path, "parts", PARTS)["stats"]
    assert stats["objects"] == 2
    assert stats["vertices"] == 8 + 8 + 12  # the merged pair shares four vertices
    assert stats["parts"] == 3


def test_it_has_no_fill_without_views(pool, tmp_path: Path) -> None:
    assert "fill" not in _run(pool, tmp_path, "cube", CUBE)["stats"]


def test_a_thin_rod_fills_less_of_the_view_than_a_cube_of_the_same_box(render_pool, tmp_path: Path) -> None:
    cube, rod = (_run(render_pool, tmp_path, name, source) for name, source in (("cube", CUBE), ("rod", ROD)))
    assert 0.0 < rod["stats"]["fill"] < cube["stats"]["fill"] < 1.0
    assert rod["stats"]["fill"] < 0.5 * cube["stats"]["fill"]
    # The fill is the share of the first view's pixels the shape covers: its mean alpha.
    view = tmp_path / "cube" / cube["files"]["views"][0]
    alpha = np.asarray(Image.open(view).getchannel("A"), dtype=np.float64) / 255.0
    assert abs(cube["stats"]["fill"] - alpha.mean()) < 0.01
