import bpy

# mushroom = stem + cap
bpy.ops.mesh.primitive_cylinder_add(radius=0.3, depth=1.0, location=(0, 0, 0.5))
bpy.ops.mesh.primitive_cone_add(radius1=1.0, radius2=0.0, depth=0.6, location=(0, 0, 1.3))
