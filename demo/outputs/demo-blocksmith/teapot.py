import bpy
import math

# Teapot from primitives

teal = bpy.data.materials.new("Teal")
teal.diffuse_color = (0.2, 0.45, 0.45, 1)

def add(obj):
    obj.data.materials.append(teal)
    bpy.ops.object.shade_smooth()

# body
bpy.ops.mesh.primitive_uv_sphere_add(radius=0.1, location=(0, 0, 0.065))
body = bpy.context.active_object
body.scale = (1, 1, 0.65)
add(body)

# lid knob
bpy.ops.mesh.primitive_uv_sphere_add(radius=0.015, location=(0, 0, 0.14))
add(bpy.context.active_object)

# spout: tilted cone
bpy.ops.mesh.primitive_cone_add(radius1=0.02, radius2=0.01, depth=0.12, location=(-0.12, 0, 0.09),
                                rotation=(0, math.radians(-50), 0))
add(bpy.context.active_object)

# handle: torus on the side
bpy.ops.mesh.primitive_torus_add(major_radius=0.04, minor_radius=0.008, location=(0.1, 0, 0.07),
                                 rotation=(math.pi / 2, 0, 0))
add(bpy.context.active_object)
