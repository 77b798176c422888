import bpy

# bookshelf
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 1))
bpy.context.object.scale = (1.0, 0.5, 2.0)
