import bpy

# Saguaro cactus: trunk and two arms from cylinders

green = bpy.data.materials.new("Green")
green.diffuse_color = (0.2, 0.45, 0.15, 1)

def cyl(r, d, loc, rot=(0, 0, 0)):
    bpy.ops.mesh.primitive_cylinder_add(radius=r, depth=d, location=loc, rotation=rot)
    o = bpy.context.active_object
    o.data.materials.append(green)
    return o

def ball(r, loc):
    bpy.ops.mesh.primitive_uv_sphere_add(radius=r, location=loc)
    bpy.context.active_object.data.materials.append(green)

# trunk
cyl(0.16, 1.6, (0, 0, 0.8))
ball(0.16, (0, 0, 1.6))

# left arm
cyl(0.09, 0.3, (-0.2, 0, 0.75), (0, 1.5708, 0))
cyl(0.09, 0.5, (-0.33, 0, 1.0))
ball(0.09, (-0.33, 0, 1.25))

# right arm
cyl(0.08, 0.25, (0.18, 0, 1.0), (0, 1.5708, 0))
cyl(0.08, 0.4, (0.28, 0, 1.2))
ball(0.08, (0.28, 0, 1.4))

# ground
bpy.ops.mesh.primitive_cylinder_add(radius=0.45, depth=0.04, location=(0, 0, 0.02))
