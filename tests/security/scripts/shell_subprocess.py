# Start a shell that writes into /tmp and the home directory, then finish normally.
import subprocess

import bpy

done = subprocess.run(
    ["sh", "-c", "id > /tmp/x_@TOKEN@; id > @HOME@/x_@TOKEN@; cat /tmp/x_@TOKEN@"],
    capture_output=True,
    text=True,
)
print("exit", done.returncode, "out", done.stdout.strip(), "err", done.stderr.strip())
bpy.ops.mesh.primitive_cube_add()
