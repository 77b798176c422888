import bpy
import math

# Spiral staircase

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

# center pole
bpy.ops.mesh.primitive_cylinder_add(vertices=16, radius=0.1, depth=3.2, location=(0, 0, 1.6))

steps = 16
for i in range(steps):
    angle = math.radians(22.5 * i)
    bpy.ops.mesh.primitive_cube_add(size=1, location=(0.5 * math.cos(angle), 0.5 * math.sin(angle), 0.18 * (i + 1)))
    step = bpy.context.object
    step.scale = (0.9, 0.3, 0.04)
    step.rotation_euler[2] = angle
    bpy.context.scene.update()

# handrail posts
for i in range(0, steps, 2):
    angle = math.radians(22.5 * i)
    bpy.ops.mesh.primitive_cylinder_add(vertices=8, radius=0.015, depth=0.9,
                                        location=(0.95 * math.cos(angle), 0.95 * math.sin(angle), 0.18 * (i + 1) + 0.45))
