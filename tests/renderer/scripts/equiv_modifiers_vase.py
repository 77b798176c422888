"""A vase: a cylinder shaped in edit mode, then solidify, bevel and subdivision."""

import bpy

bpy.ops.mesh.primitive_cylinder_add(vertices=24, radius=0.5, depth=1.5, location=(0, 0, 0.75))
vase = bpy.context.active_object
vase.name = "Vase"
for vertex in vase.data.vertices:
    if vertex.co.z > 0:
        vertex.co.x *= 0.6
        vertex.co.y *= 0.6
solidify = vase.modifiers.new(name="Solidify", type="SOLIDIFY")
solidify.thickness = 0.03
bevel = vase.modifiers.new(name="Bevel", type="BEVEL")
bevel.width = 0.01
subsurf = vase.modifiers.new(name="Subdivision", type="SUBSURF")
subsurf.levels = 1
bpy.ops.object.shade_smooth()
