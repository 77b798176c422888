import bpy

# chair
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 0.25))
bpy.context.active_object.scale = (0.5, 0.5, 0.5)

bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0.3, 0.8))
bpy.context.active_object.scale = (0.5, 0.1, 0.6)
