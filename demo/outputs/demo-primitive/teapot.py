import bpy

# teapot
bpy.ops.mesh.primitive_uv_sphere_add(radius=1, location=(0, 0, 1))
bpy.ops.mesh.primitive_cylinder_add(radius=0.15, depth=1.0, location=(-1.2, 0, 1.2), rotation=(0, 0.8, 0))
