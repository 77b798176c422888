# Write a file into /tmp, hoping it is the host's /tmp, then finish normally.
import bpy

with open("/tmp/escape_@TOKEN@", "w") as handle:
    handle.write("escaped")
print("wrote /tmp/escape_@TOKEN@")
bpy.ops.mesh.primitive_cube_add()
