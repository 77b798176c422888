import bpy
import math

# Bicycle wheel standing upright (axle along Y)

R = 0.335
rot = (math.pi / 2, 0, 0)

# tyre
bpy.ops.mesh.primitive_torus_add(major_radius=R - 0.015, minor_radius=0.015, location=(0, 0, R), rotation=rot)

# rim
bpy.ops.mesh.primitive_torus_add(major_radius=0.3, minor_radius=0.01, location=(0, 0, R), rotation=rot)

# hub
bpy.ops.mesh.primitive_cylinder_add(radius=0.025, depth=0.1, location=(0, 0, R), rotation=rot)

# spokes: 16 thin cylinders through the centre (each one makes two spokes)
for i in range(16):
    a = math.pi * i / 16
    bpy.ops.mesh.primitive_cylinder_add(vertices=6, radius=0.002, depth=0.6, location=(0, 0, R),
                                        rotation=(0, a, 0))
