# Leave a directory tree 3000 levels deep in the job's scratch directory, for the host to delete.
import os

import bpy

bpy.ops.mesh.primitive_cube_add()
os.chdir("/job/tmp")
for _ in range(3000):
    os.mkdir("d")
    os.chdir("d")
