import bpy

# tree
bpy.ops.mesh.primitive_cone_add(radius1=1, depth=2, location=(0, 0, 1))
