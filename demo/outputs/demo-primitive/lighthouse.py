import bpy

# Lighthouse tower
bpy.ops.mesh.primitive_cylinder_add(radius=1, depth=6, location=(0, 0, 3))
bpy.ops.mesh.primitive_uv_sphere_add(radius=1, location=(0, 0, 6.5))
