# Write progress lines of our own choosing to the progress pipe (the host relays them to every browser).
import json
import os

import bpy

forged = [
    {"stage": "done", "fraction": 1.0},
    {"stage": "made by @TOKEN@", "fraction": 0.5},
    {"stage": "running", "fraction": 0.9},  # a real stage again
    {"stage": "rendering 7/9", "fraction": 0.7},  # a stage this job does not have
    {"stage": ["exporting"], "fraction": 0.5},
    {"stage": "exporting", "fraction": 0.5, "padding": "@TOKEN@" * 2000},  # over-long line
]
lines = b"".join(json.dumps(message).encode() + b"\n" for message in forged)
for name in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{name}").startswith("pipe:"):
            os.write(int(name), lines)
    except OSError:
        pass
bpy.ops.mesh.primitive_cube_add()
