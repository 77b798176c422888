import bpy
import math

# Mug body
bpy.ops.mesh.primitive_cylinder_add(radius=0.04, depth=0.1, location=(0, 0, 0.05))
mug = bpy.context.active_object
mug.name = "Mug"

# Inside (slightly smaller dark cylinder on top to suggest the opening)
bpy.ops.mesh.primitive_cylinder_add(radius=0.036, depth=0.002, location=(0, 0, 0.1))
bpy.context.active_object.name = "Coffee"

# Handle
bpy.ops.mesh.primitive_torus_add(major_radius=0.025, minor_radius=0.006,
                                 location=(0.045, 0, 0.05), rotation=(math.pi / 2, 0, 0))
bpy.context.active_object.name = "Handle"
