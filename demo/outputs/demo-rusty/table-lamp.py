import bpy
import math

# Table lamp
bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

# base
bpy.ops.mesh.primitive_cylinder_add(vertices=32, radius=0.08, depth=0.025, location=(0, 0, 0.0125))
base = bpy.context.object
base.name = "LampBase"

# stem
bpy.ops.mesh.primitive_cylinder_add(vertices=12, radius=0.006, depth=0.33, location=(0, 0, 0.19))
stem = bpy.context.object
stem.name = "LampStem"

# shade
bpy.ops.mesh.primitive_cone_add(vertices=32, radius1=0.15, radius2=0.13, depth=0.22, location=(0, 0, 0.36))
shade = bpy.context.object
shade.name = "LampShade"

# join everything into one object
bpy.ops.object.select_all(action='DESELECT')
for ob in (base, stem, shade):
    ob.select = True
bpy.context.scene.objects.active = base
bpy.ops.object.join()
