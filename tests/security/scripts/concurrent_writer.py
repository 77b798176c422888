# Keep a secret in every writable place while another job runs.
import time

import bpy

for path in ("/job/out/secret.txt", "/job/tmp/secret.txt", "/tmp/secret.txt"):
    with open(path, "w") as handle:
        handle.write("@TOKEN@")
time.sleep(3)
bpy.ops.mesh.primitive_cube_add()
