import bpy
import math

# Bicycle wheel with array modifier spokes

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

# Tyre
bpy.ops.mesh.primitive_torus_add(major_radius=0.32, minor_radius=0.02, location=(0, 0, 0.34),
                                 rotation=(math.radians(90), 0, 0))
tyre = bpy.context.object
tyre.name = "Tyre"

# Hub
bpy.ops.mesh.primitive_cylinder_add(radius=0.03, depth=0.1, location=(0, 0, 0.34),
                                    rotation=(math.radians(90), 0, 0))

# One spoke, arrayed around the hub using an empty as offset object
bpy.ops.object.empty_add(location=(0, 0, 0.34))
empty = bpy.context.object
empty.rotation_euler = (0, math.radians(360 / 12), 0)

bpy.ops.mesh.primitive_cylinder_add(radius=0.004, depth=0.3, location=(0, 0, 0.34 + 0.15))
spoke = bpy.context.object
spoke.name = "Spoke"
mod = spoke.modifiers.new("Array", 'ARRAY')
mod.use_relative_offset = False
mod.use_object_offset = True
mod.offset_object = empty
mod.count = 12
