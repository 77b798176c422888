import bpy
import math

# Mushroom - stem and cap

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

def new_mat(name, r, g, b):
    mat = bpy.data.materials.new(name=name)
    mat.diffuse_color = (r, g, b, 1.0)
    return mat

# stem
bpy.ops.mesh.primitive_cylinder_add(vertices=16, radius=0.02, depth=0.12, location=(0, 0, 0.06))
stem = bpy.context.object
stem.data.materials.append(new_mat("Stem", 0.9, 0.9, 0.8))

# cap (hemisphere by scaling a sphere)
bpy.ops.mesh.primitive_uv_sphere_add(segments=16, ring_count=8, radius=0.05, location=(0, 0, 0.12))
cap = bpy.context.object
cap.scale[2] = 0.6
cap.data.materials.append(new_mat("Cap", 0.8, 0.1, 0.1))

# sun lamp
bpy.ops.object.light_add(type='SUN', location=(0, 0, 1))
