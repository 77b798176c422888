import bpy

# wheel
bpy.ops.mesh.primitive_torus_add(major_radius=1.0, minor_radius=0.1)
