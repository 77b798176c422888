import bpy
import bmesh
import math

# Snail shell made with a Screw modifier on a circle

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

bpy.ops.mesh.primitive_circle_add(vertices=16, radius=0.006, location=(0.012, 0, 0),
                                  rotation=(math.radians(90), 0, 0))
profile = bpy.context.object
profile.name = "Shell"
bpy.ops.object.transform_apply(location=True, rotation=True, scale=False)

screw = profile.modifiers.new("Screw", 'SCREW')
screw.angle = math.radians(360 * 3)
screw.screw_offset = 0.02
screw.iterations = 1
screw.steps = 48
screw.render_steps = 48
screw.use_merge_vertices = False

mat = bpy.data.materials.new("ShellColor")
mat.diffuse_color = (0.55, 0.4, 0.25, 1)
profile.data.materials.append(mat)
