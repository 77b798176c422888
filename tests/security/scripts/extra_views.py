# Leave view images the pool did not ask for (here: any), hoping the host copies them all.
import os

import bpy
from renderer.runtime import blender_job

real_write_result = blender_job._write_result


def write_result_and_views(out, result):
    real_write_result(out, result)
    os.makedirs(out / "views", exist_ok=True)
    for index in range(3):
        with open(out / "views" / f"view_{index:03d}.png", "wb") as handle:
            # Sparse: costs the job nothing, the host's copy writes every byte.
            handle.truncate(1 << 20)


blender_job._write_result = write_result_and_views
bpy.ops.mesh.primitive_cube_add()
