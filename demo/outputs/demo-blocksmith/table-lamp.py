import bpy

# Table lamp: base, stem, shade

bpy.ops.mesh.primitive_cylinder_add(radius=0.08, depth=0.025, location=(0, 0, 0.0125))
bpy.context.active_object.name = "Base"

bpy.ops.mesh.primitive_cylinder_add(radius=0.006, depth=0.33, location=(0, 0, 0.19))
bpy.context.active_object.name = "Stem"

bpy.ops.mesh.primitive_uv_sphere_add(radius=0.03, location=(0, 0, 0.38))
bpy.context.active_object.name = "Bulb"

# shade: truncated cone, open at both ends
bpy.ops.mesh.primitive_cone_add(radius1=0.15, radius2=0.13, depth=0.22, end_fill_type='NOTHING',
                                location=(0, 0, 0.36))
bpy.context.active_object.name = "Shade"
