import bpy
import math

# Stone bridge with an arch: deck, two piers, and a half-torus arch

# deck
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 3.6))
bpy.context.active_object.scale = (12, 3.2, 0.4)

# abutments
for x in (-4.5, 4.5):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(x, 0, 1.6))
    bpy.context.active_object.scale = (3, 3.2, 4.2)

# arch ring: torus cut in half is hard, so use a torus with a square-ish section
bpy.ops.mesh.primitive_torus_add(major_radius=3.25, minor_radius=0.3, major_segments=32,
                                 location=(0, 0, 0), rotation=(math.pi / 2, 0, 0))
arch = bpy.context.active_object
arch.scale = (1, 1, 5)   # stretch across the bridge width

# parapets
for y in (-1.45, 1.45):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(0, y, 4.2))
    bpy.context.active_object.scale = (12, 0.3, 0.8)
