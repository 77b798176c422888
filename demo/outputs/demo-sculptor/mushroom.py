import bpy
import bmesh
import math
import random
from mathutils import Vector

"""Fly agaric (Amanita muscaria): domed red cap with white warts, pale stem with skirt."""

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

random.seed(42)


def mat(name, color, rough=0.5):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    bsdf = m.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = color
    bsdf.inputs["Roughness"].default_value = rough
    m.diffuse_color = color
    return m


red = mat("Cap", (0.8, 0.05, 0.02, 1), 0.3)
white = mat("Wart", (0.95, 0.93, 0.85, 1), 0.8)
stem_mat = mat("Stem", (0.9, 0.87, 0.78, 1), 0.7)

# ---- Stem: cylinder with loop cuts, shaped per ring, then subdivided
bpy.ops.mesh.primitive_cylinder_add(vertices=24, radius=0.014, depth=0.13, location=(0, 0, 0.065))
stem = bpy.context.active_object
stem.name = "Stem"
bm = bmesh.new()
bm.from_mesh(stem.data)
side_edges = [e for e in bm.edges if abs(e.verts[0].co.z - e.verts[1].co.z) > 0.01]
bmesh.ops.subdivide_edges(bm, edges=side_edges, cuts=8, use_grid_fill=True)
for v in bm.verts:
    z = v.co.z + 0.065          # 0 .. 0.13
    bulb = 1.0 + 0.7 * math.exp(-((z - 0.012) / 0.018) ** 2)  # swollen base
    taper = 1.0 - 0.15 * (z / 0.13)
    v.co.x *= bulb * taper
    v.co.y *= bulb * taper
bm.to_mesh(stem.data)
bm.free()
stem.modifiers.new("Subsurf", 'SUBSURF').levels = 1
stem.data.materials.append(stem_mat)
bpy.ops.object.shade_smooth()

# ---- Skirt (annulus) from a cone with solidify
bpy.ops.mesh.primitive_cone_add(vertices=32, radius1=0.024, radius2=0.013, depth=0.012,
                                end_fill_type='NOTHING', location=(0, 0, 0.106))
skirt = bpy.context.active_object
skirt.name = "Skirt"
skirt.modifiers.new("Solid", 'SOLIDIFY').thickness = 0.0015
skirt.data.materials.append(stem_mat)
bpy.ops.object.shade_smooth()

# ---- Cap: upper part of a UV sphere, flattened, with thickness
bpy.ops.mesh.primitive_uv_sphere_add(segments=48, ring_count=24, radius=0.056, location=(0, 0, 0))
cap = bpy.context.active_object
cap.name = "Cap"
bm = bmesh.new()
bm.from_mesh(cap.data)
bmesh.ops.delete(bm, geom=[v for v in bm.verts if v.co.z < -0.012], context='VERTS')
bm.to_mesh(cap.data)
bm.free()
cap.scale = (1.0, 1.0, 0.78)
cap.location.z = 0.125
solid = cap.modifiers.new("Thickness", 'SOLIDIFY')
solid.thickness = 0.006
solid.offset = -1
solid.use_rim_only = False
cap.modifiers.new("Subsurf", 'SUBSURF').levels = 1
cap.data.materials.append(red)
bpy.ops.object.shade_smooth()

# ---- Warts scattered on the cap surface
for i in range(40):
    theta = random.uniform(0, math.radians(72))   # angle from the top
    phi = random.uniform(0, 2 * math.pi)
    n = Vector((math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi), math.cos(theta)))
    p = Vector((n.x * 0.056, n.y * 0.056, n.z * 0.056 * 0.78 + 0.125))
    s = random.uniform(0.003, 0.006)
    bpy.ops.mesh.primitive_ico_sphere_add(subdivisions=1, radius=s, location=p)
    w = bpy.context.active_object
    w.name = f"Wart_{i:02d}"
    w.scale.z = 0.5
    w.rotation_euler = n.to_track_quat('Z', 'Y').to_euler()
    w.data.materials.append(white)

bpy.ops.object.light_add(type='SUN', location=(1, -1, 2))
