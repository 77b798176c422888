# Start a sleeper in user and PID namespaces of its own, hoping the sweep misses it.
import subprocess
import time

import bpy

sleeper = subprocess.Popen(
    ["unshare", "--user", "--map-root-user", "--pid", "--fork", "sleep", "@MARKER@"],
    start_new_session=True,
    stderr=subprocess.PIPE,
)
time.sleep(0.5)
print("nested sleeper running:", sleeper.poll() is None, sleeper.poll() is None or sleeper.stderr.read())
bpy.ops.mesh.primitive_cube_add()
