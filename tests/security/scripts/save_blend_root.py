# Save the scene as a .blend file in root's home directory.
import bpy

bpy.ops.mesh.primitive_cube_add()
bpy.ops.wm.save_as_mainfile(filepath="/root/x_@TOKEN@.blend")
