import bpy

# cactus
bpy.ops.mesh.primitive_cylinder_add(radius=0.3, depth=2.0, location=(0, 0, 1.0))
bpy.ops.mesh.primitive_cylinder_add(radius=0.15, depth=1.2, location=(0, 0, 1.2), rotation=(0, 1.5708, 0))
