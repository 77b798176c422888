import bpy
import bmesh
import math
from mathutils import Vector

# Snail shell - logarithmic helico-spiral generated procedurally with bmesh.
# r(theta) = a * exp(b * theta); the tube radius grows with r so whorls overlap.

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

turns = 3.4
growth_per_turn = 1.8
b = math.log(growth_per_turn) / (2 * math.pi)
theta_max = turns * 2 * math.pi
a = 0.012 / math.exp(b * theta_max)
steps = 160
ring_verts = 24
drop = 0.015

bm = bmesh.new()
rings = []
for i in range(steps + 1):
    th = 0.3 + (theta_max - 0.3) * i / steps
    r = a * math.exp(b * th)
    c = Vector((r * math.cos(th), r * math.sin(th), drop * (1 - r / 0.012)))
    tube_r = 0.58 * r
    out = Vector((math.cos(th), math.sin(th), 0))
    ring = []
    for k in range(ring_verts):
        phi = 2 * math.pi * k / ring_verts
        ring.append(bm.verts.new(c + out * tube_r * math.cos(phi) + Vector((0, 0, 0.9 * tube_r * math.sin(phi)))))
    rings.append(ring)

for r0, r1 in zip(rings, rings[1:]):
    for k in range(ring_verts):
        bm.faces.new((r0[k], r0[(k + 1) % ring_verts], r1[(k + 1) % ring_verts], r1[k]))
bm.faces.new(list(reversed(rings[0])))
bmesh.ops.recalc_face_normals(bm, faces=bm.faces)

mesh = bpy.data.meshes.new("SnailShell")
bm.to_mesh(mesh)
bm.free()
shell = bpy.data.objects.new("SnailShell", mesh)
bpy.context.collection.objects.link(shell)

# Give the open shell wall a thickness and smooth it
mod = shell.modifiers.new("Solidify", 'SOLIDIFY')
mod.thickness = 0.0008
shell.modifiers.new("Subsurf", 'SUBSURF').levels = 1
for p in mesh.polygons:
    p.use_smooth = True

# Banded material (two colours via material index along the cross-section)
light = bpy.data.materials.new("Shell")
light.diffuse_color = (0.7, 0.52, 0.32, 1)
dark = bpy.data.materials.new("Band")
dark.diffuse_color = (0.3, 0.18, 0.1, 1)
mesh.materials.append(light)
mesh.materials.append(dark)
for i, p in enumerate(mesh.polygons):
    if (i % ring_verts) in (4, 5, 17):
        p.material_index = 1

# sit on the ground
shell.location.z = -min(v.co.z for v in mesh.vertices)
