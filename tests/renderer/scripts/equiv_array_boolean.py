"""A grille: a plate with an array of holes cut by a boolean modifier.

The cutter stays in the scene, shown as wire, as generated code often does.
"""

import bpy

bpy.ops.mesh.primitive_cube_add(size=1)
plate = bpy.context.active_object
plate.scale = (2.0, 1.0, 0.1)
bpy.ops.mesh.primitive_cylinder_add(radius=0.1, depth=1.0, location=(-0.8, 0, 0))
cutter = bpy.context.active_object
array = cutter.modifiers.new("Array", "ARRAY")
array.count = 5
array.relative_offset_displace = (4.0, 0, 0)
boolean = plate.modifiers.new("Holes", "BOOLEAN")
boolean.operation = "DIFFERENCE"
boolean.object = cutter
cutter.display_type = "WIRE"
cutter.hide_render = True
