import bpy

# bridge
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 1))
bpy.context.object.scale = (6, 2, 0.5)
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 0.4))
bpy.context.object.scale = (1, 2, 0.8)
