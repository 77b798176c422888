import bpy
import bmesh
import math

# Create a coffee mug

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

# outer body
bpy.ops.mesh.primitive_cylinder_add(vertices=48, radius=0.04, depth=0.1, location=(0, 0, 0.05))
mug = bpy.context.object
mug.name = "Mug"

# hollow it out with a solidify modifier after deleting the top face
bm = bmesh.new()
bm.from_mesh(mug.data)
for f in bm.faces:
    if f.normal.z > 0.5:
        bm.faces.remove(f)
        break
bm.to_mesh(mug.data)
bm.free()
mod = mug.modifiers.new("Solidify", 'SOLIDIFY')
mod.thickness = 0.004

# smooth shading with auto smooth
bpy.ops.object.shade_smooth()
mug.data.use_auto_smooth = True
mug.data.auto_smooth_angle = math.radians(30)

# handle
bpy.ops.mesh.primitive_torus_add(major_radius=0.025, minor_radius=0.006,
                                 location=(0.045, 0, 0.05), rotation=(math.radians(90), 0, 0))
handle = bpy.context.object
handle.name = "Handle"
bpy.ops.object.shade_smooth()
handle.data.use_auto_smooth = True
