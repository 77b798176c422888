import bpy
import math

# Clear scene
bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

# Main house body
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 1.35))
house = bpy.context.active_object
house.name = "House"
house.scale = (7, 5, 2.7)

# Roof: a cylinder with 3 vertices lying along X = triangular prism
bpy.ops.mesh.primitive_cylinder_add(vertices=3, radius=1, depth=7.6, location=(0, 0, 3.3),
                                    rotation=(math.pi / 2, 0, math.pi / 2))
roof = bpy.context.active_object
roof.name = "Roof"
roof.scale = (3.1, 1.2, 1.0)

# Door
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, -2.52, 1.0))
door = bpy.context.active_object
door.scale = (1, 0.06, 2)

# Windows
for x in (-2.2, 2.2):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(x, -2.52, 1.6))
    bpy.context.active_object.scale = (1, 0.06, 1)

# Chimney
bpy.ops.mesh.primitive_cube_add(size=1, location=(2, 1, 4.2))
bpy.context.active_object.scale = (0.6, 0.6, 1.6)
