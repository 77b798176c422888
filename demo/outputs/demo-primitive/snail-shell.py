import bpy

# snail shell
bpy.ops.mesh.primitive_torus_add(major_radius=1.0, minor_radius=0.5)
bpy.ops.mesh.primitive_uv_sphere_add(radius=0.5, location=(0, 0, 0.5))
