"""A desk lamp from primitives joined into one object, with a point light."""

import bpy

bpy.ops.mesh.primitive_cylinder_add(radius=0.3, depth=0.05, location=(0, 0, 0.025))
base = bpy.context.active_object
bpy.ops.mesh.primitive_cylinder_add(radius=0.02, depth=0.8, location=(0, 0, 0.45))
bpy.ops.mesh.primitive_cone_add(radius1=0.25, radius2=0.08, depth=0.3, location=(0, 0, 0.9))
for obj in bpy.context.scene.objects:
    obj.select_set(obj.type == "MESH")
bpy.context.view_layer.objects.active = base
bpy.ops.object.join()
bpy.ops.object.light_add(type="POINT", location=(0, 0, 0.8))
