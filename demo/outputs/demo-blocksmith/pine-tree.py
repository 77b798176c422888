import bpy

# Pine tree: trunk + 3 cones

green = bpy.data.materials.new("Green")
green.diffuse_color = (0.1, 0.35, 0.15, 1)
brown = bpy.data.materials.new("Brown")
brown.diffuse_color = (0.35, 0.22, 0.1, 1)

bpy.ops.mesh.primitive_cylinder_add(radius=0.12, depth=1.2, location=(0, 0, 0.6))
bpy.context.active_object.data.materials.append(brown)

for z, r, h in ((1.6, 1.2, 1.8), (2.7, 0.9, 1.5), (3.8, 0.6, 1.4)):
    bpy.ops.mesh.primitive_cone_add(radius1=r, depth=h, location=(0, 0, z))
    bpy.context.active_object.data.materials.append(green)
