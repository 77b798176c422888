import bpy

# Red mushroom with white stem

red = bpy.data.materials.new("Red")
red.diffuse_color = (0.8, 0.1, 0.05, 1)
white = bpy.data.materials.new("White")
white.diffuse_color = (0.9, 0.9, 0.85, 1)

# Stem
bpy.ops.mesh.primitive_cylinder_add(radius=0.015, depth=0.13, location=(0, 0, 0.065))
stem = bpy.context.active_object
stem.data.materials.append(white)

# Cap: squashed sphere
bpy.ops.mesh.primitive_uv_sphere_add(radius=0.055, location=(0, 0, 0.13))
cap = bpy.context.active_object
cap.scale = (1, 1, 0.55)
cap.data.materials.append(red)
bpy.ops.object.shade_smooth()

# A few white dots
import random
random.seed(1)
for i in range(8):
    x = random.uniform(-0.03, 0.03)
    y = random.uniform(-0.03, 0.03)
    bpy.ops.mesh.primitive_uv_sphere_add(radius=0.006, location=(x, y, 0.158))
    bpy.context.active_object.data.materials.append(white)
