# Write progress lines of our own choosing to the progress pipe (the host relays them to every browser).
import os

import bpy

lines = b'{"stage": "done", "fraction": 1.0}\n{"stage": "made by @TOKEN@", "fraction": 0.5}\n'
for name in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
            os.write(int(name), lines)
    except OSError:
        pass
bpy.ops.mesh.primitive_cube_add()
