import bpy
import math

# Pine tree with several cone layers

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

trunk_height = 1.0
layers = 5

bpy.ops.mesh.primitive_cylinder_add(vertices=12, radius=0.12, depth=trunk_height,
                                    location=(0, 0, trunk_heigth / 2))
trunk = bpy.context.object

for i in range(layers):
    r = 1.2 - i * 0.2
    z = trunk_height + i * 0.7
    bpy.ops.mesh.primitive_cone_add(vertices=16, radius1=r, depth=1.0, location=(0, 0, z + 0.5))
