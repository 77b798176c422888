# Save the scene as a .blend file in the project tree.
import bpy

bpy.ops.mesh.primitive_cube_add()
bpy.ops.wm.save_as_mainfile(filepath="@PROJECT@/x_@TOKEN@.blend")
