# Four forked children hold 600 MiB each: 2.4 GiB together, more than the job's memory limit.
import os
import time

import bpy

for _ in range(4):
    if os.fork() == 0:
        blob = b"x" * (600 << 20)
        print("child holding 600 MiB", flush=True)
        time.sleep(2)
        os._exit(0)
exits = []
while True:
    try:
        exits.append(os.waitstatus_to_exitcode(os.wait()[1]))
    except ChildProcessError:
        break
print("children exited", sorted(exits))
bpy.ops.mesh.primitive_cube_add()
