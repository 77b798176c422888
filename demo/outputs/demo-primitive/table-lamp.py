import bpy

# lamp
bpy.ops.mesh.primitive_cylinder_add(radius=0.05, depth=0.6, location=(0, 0, 0.3))
bpy.ops.mesh.primitive_cone_add(radius1=0.3, radius2=0.15, depth=0.3, location=(0, 0, 0.7))
