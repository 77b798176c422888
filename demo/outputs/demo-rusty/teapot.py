import bpy
import math

# Teapot

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

mat = bpy.data.materials.new("Porcelain")
mat.diffuse_color = (0.9, 0.9, 0.95, 1.0)

# Body
bpy.ops.mesh.primitive_uv_sphere_add(segments=16, ring_count=8, radius=0.1, location=(0, 0, 0.08))
body = bpy.context.object
body.scale = (1, 1, 0.8)

# Lid
bpy.ops.mesh.primitive_cylinder_add(vertices=16, radius=0.05, depth=0.02, location=(0, 0, 0.165))

# Spout
bpy.ops.mesh.primitive_cylinder_add(vertices=8, radius=0.015, depth=0.12, location=(-0.12, 0, 0.1),
                                    rotation=(0, math.radians(45), 0))

# Handle
bpy.ops.mesh.primitive_torus_add(major_radius=0.045, minor_radius=0.01, location=(0.11, 0, 0.09),
                                 rotation=(math.radians(90), 0, 0))

for o in bpy.context.scene.objects:
    if o.type == 'MESH':
        o.data.materials.append(mat)
