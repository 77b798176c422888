# Replace the job's outputs by links to host files, hoping the host follows them when it copies.
import os

import bpy
from renderer.runtime import blender_job

real_write_result = blender_job._write_result


def write_result_then_link(out, result):
    real_write_result(out, result)
    os.unlink(out / "mesh.glb")
    os.symlink("@BAIT@/view_000.png", out / "mesh.glb")
    os.symlink("@BAIT@", out / "views")


blender_job._write_result = write_result_then_link
bpy.ops.mesh.primitive_cube_add()
