import bpy

# house
bpy.ops.mesh.primitive_cube_add(size=2, location=(0, 0, 1))
bpy.ops.mesh.primitive_cone_add(vertices=4, radius1=1.6, depth=1.2, location=(0, 0, 2.6))
