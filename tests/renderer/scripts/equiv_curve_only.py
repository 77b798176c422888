"""A curve that is never converted: no mesh object remains."""

import bpy

bpy.ops.curve.primitive_bezier_circle_add(radius=1.0)
bpy.context.active_object.data.bevel_depth = 0.1
