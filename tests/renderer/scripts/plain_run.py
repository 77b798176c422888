"""Reference run for the equivalence tests: plain bpy, no pool, no sandbox.

Usage: python plain_run.py SCRIPT -> prints a JSON line with the status,
vertex count and Z-up bounding-box size of the mesh objects left behind.
"""

import json
import runpy
import sys

import bpy
import numpy as np

bpy.ops.wm.read_factory_settings(use_empty=True)
status = "ok"
try:
    runpy.run_path(sys.argv[1], run_name="__main__")
except BaseException:
    status = "err_exec"
points = []
if status == "ok":
    depsgraph = bpy.context.evaluated_depsgraph_get()
    for obj in bpy.context.scene.objects:
        if obj.type != "MESH":
            continue
        evaluated = obj.evaluated_get(depsgraph)
        mesh = evaluated.to_mesh()
        points.extend(evaluated.matrix_world @ v.co for v in mesh.vertices)
        evaluated.to_mesh_clear()
    if not points:
        status = "err_no_mesh"
array = np.array([tuple(p) for p in points]) if points else np.zeros((0, 3))
size = (array.max(axis=0) - array.min(axis=0)).tolist() if len(array) else None
print("RESULT " + json.dumps({"status": status, "vertices": len(points), "size": size}))
