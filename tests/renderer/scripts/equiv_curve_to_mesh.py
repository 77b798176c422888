"""A handle: a bezier curve with bevel depth, converted to a mesh."""

import bpy

curve = bpy.data.curves.new("HandleCurve", type="CURVE")
curve.dimensions = "3D"
curve.bevel_depth = 0.05
curve.bevel_resolution = 3
spline = curve.splines.new("BEZIER")
spline.bezier_points.add(2)
for point, co in zip(spline.bezier_points, [(0, 0, 0), (0.5, 0, 0.6), (1, 0, 0)], strict=True):
    point.co = co
    point.handle_left_type = point.handle_right_type = "AUTO"
handle = bpy.data.objects.new("Handle", curve)
bpy.context.scene.collection.objects.link(handle)
bpy.context.view_layer.objects.active = handle
handle.select_set(True)
bpy.ops.object.convert(target="MESH")
