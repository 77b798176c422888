# Write fake "job done" messages to every open descriptor, then keep working for 2 s.
import json
import os
import time

import bpy

lines = b"".join((json.dumps({"done": job, "exit": 0, "stage": "done"}) + "\n").encode() for job in range(64))
lines += b'{"progress": "done", "fraction": 1.0}\n{"stage": "finished", "fraction": 1.0}\n'
for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
    try:
        os.write(fd, lines)
        print("wrote to", fd, os.readlink(f"/proc/self/fd/{fd}"))
    except OSError as exc:
        print("refused", fd, type(exc).__name__)
time.sleep(2)
bpy.ops.mesh.primitive_cube_add()
