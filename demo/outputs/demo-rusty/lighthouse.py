import bpy
import math

# Lighthouse built from curve objects (bevelled circles = tubes)

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

def ring(radius, z, thickness, name):
    bpy.ops.curve.primitive_bezier_circle_add(radius=radius, location=(0, 0, z))
    c = bpy.context.object
    c.name = name
    c.data.bevel_depth = thickness
    c.data.fill_mode = 'FULL'
    return c

# Tower as stacked rings tapering upward
for i in range(24):
    z = i * 0.5
    r = 1.8 - i * 0.03
    ring(r, z, 0.25, "TowerRing%02d" % i)

# Gallery
ring(1.8, 12.2, 0.1, "Gallery")
ring(1.8, 13.0, 0.05, "Railing")

# Lantern: a curve line as light beam axis
bpy.ops.curve.primitive_nurbs_path_add(location=(0, 0, 13.5))
beam = bpy.context.object
beam.name = "Beam"

# Roof cone as a spiral of rings
for i in range(6):
    ring(1.0 - i * 0.17, 14.5 + i * 0.15, 0.08, "Roof%d" % i)
