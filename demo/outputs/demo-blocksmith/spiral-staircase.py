import bpy
import math

# Spiral staircase: pole + rotated boxes as steps

bpy.ops.mesh.primitive_cylinder_add(radius=0.1, depth=3.2, location=(0, 0, 1.6))

for i in range(16):
    a = -math.pi / 2 + i * math.radians(22.5)
    z = (i + 1) * 0.18
    bpy.ops.mesh.primitive_cube_add(size=1, location=(0.5 * math.cos(a), 0.5 * math.sin(a), z),
                                    rotation=(0, 0, a))
    bpy.context.active_object.scale = (1.0, 0.3, 0.03)
