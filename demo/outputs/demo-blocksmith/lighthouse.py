import bpy

# Lighthouse built from a few cylinders and cones

white = bpy.data.materials.new("White")
white.diffuse_color = (0.95, 0.95, 0.95, 1)
red = bpy.data.materials.new("Red")
red.diffuse_color = (0.8, 0.1, 0.1, 1)
dark = bpy.data.materials.new("Dark")
dark.diffuse_color = (0.1, 0.1, 0.1, 1)

# base
bpy.ops.mesh.primitive_cylinder_add(vertices=8, radius=2.5, depth=0.8, location=(0, 0, 0.4))

# tower
bpy.ops.mesh.primitive_cone_add(radius1=1.8, radius2=1.1, depth=12, location=(0, 0, 6.8))
bpy.context.active_object.data.materials.append(white)

# two red stripes
for z in (4.5, 9.5):
    r = 1.8 - (z - 0.8) / 12 * 0.7 + 0.03
    bpy.ops.mesh.primitive_cylinder_add(radius=r, depth=1.6, location=(0, 0, z))
    bpy.context.active_object.data.materials.append(red)

# gallery
bpy.ops.mesh.primitive_cylinder_add(radius=1.7, depth=0.3, location=(0, 0, 12.95))
bpy.context.active_object.data.materials.append(dark)

# lantern
bpy.ops.mesh.primitive_cylinder_add(radius=0.9, depth=1.8, location=(0, 0, 14.0))
bpy.context.active_object.data.materials.append(dark)

# roof
bpy.ops.mesh.primitive_cone_add(radius1=1.1, radius2=0, depth=1.0, location=(0, 0, 15.4))
bpy.context.active_object.data.materials.append(red)
