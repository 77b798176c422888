# Report this job's scheduling priority and policy, then try to raise the priority again.
import os
import subprocess

import bpy

fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
print("nice", os.getpriority(os.PRIO_PROCESS, 0), "stat-nice", fields[16], "stat-policy", fields[38])
print("policy", os.sched_getscheduler(0), "batch", os.SCHED_BATCH)
child = subprocess.run(["cat", "/proc/self/stat"], capture_output=True, text=True).stdout
child_fields = child.rsplit(")", 1)[1].split()
print("child-nice", child_fields[16], "child-policy", child_fields[38])
for attempt in ("setpriority", "nice"):
    try:
        if attempt == "setpriority":
            os.setpriority(os.PRIO_PROCESS, 0, 0)
        else:
            os.nice(-1)
        print(f"raise-by-{attempt}", "allowed")
    except PermissionError:
        print(f"raise-by-{attempt}", "refused")
print("final-nice", os.getpriority(os.PRIO_PROCESS, 0))
bpy.ops.mesh.primitive_cube_add()
