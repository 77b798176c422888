import bpy

# staircase
for i in range(8):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(i * 0.3, 0, i * 0.2 + 0.1))
    bpy.context.object.scale = (0.3, 1.0, 0.2)
