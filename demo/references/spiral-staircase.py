"""Reference script (demo corpus) - spiral staircase.

Central steel column (20 cm, 3.2 m), 16 wooden wedge treads reaching 1 m from
the axis, 18 cm rise and 22.5 degrees per step (one turn), a baluster per tread,
a helical handrail 90 cm above the treads and a quarter-circle landing at the
top. First tread faces -Y, the flight turns counter-clockwise seen from above.
Z-up, metres.
"""
import math

import bpy
import bmesh
from mathutils import Vector

STEPS = 16
RISE = 0.18
TURN = 2 * math.pi / STEPS
R_IN = 0.1
R_OUT = 1.0
TREAD_T = 0.03
START = -math.pi / 2          # first tread centred on -Y
RAIL_R = 0.95
RAIL_H = 0.9


def colour(name, rgb, rough=0.5):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = rough
    return mat


def link(name, bm, mat, smooth=False):
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    me.materials.append(mat)
    for poly in me.polygons:
        poly.use_smooth = smooth
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def wedge(bm, a0, a1, z_top, arc=6):
    """Annular sector between R_IN and R_OUT from angle a0 to a1, TREAD_T thick."""
    angles = [a0 + (a1 - a0) * i / arc for i in range(arc + 1)]
    outline = [(R_OUT * math.cos(a), R_OUT * math.sin(a)) for a in angles]
    outline += [(R_IN * math.cos(a), R_IN * math.sin(a)) for a in reversed(angles)]
    top = [bm.verts.new((x, y, z_top)) for x, y in outline]
    bot = [bm.verts.new((x, y, z_top - TREAD_T)) for x, y in outline]
    bm.faces.new(top)
    bm.faces.new(list(reversed(bot)))
    n = len(outline)
    for i in range(n):
        j = (i + 1) % n
        bm.faces.new((bot[i], bot[j], top[j], top[i]))


def rod(bm, a, b, radius, segs=8):
    a, b = Vector(a), Vector(b)
    res = bmesh.ops.create_cone(bm, cap_ends=True, segments=segs, radius1=radius, radius2=radius,
                                depth=(b - a).length)
    rot = (b - a).to_track_quat("Z", "Y").to_matrix()
    bmesh.ops.rotate(bm, cent=(0, 0, 0), matrix=rot, verts=res["verts"])
    bmesh.ops.translate(bm, vec=(a + b) / 2, verts=res["verts"])


def build():
    steel = colour("Steel", (0.15, 0.15, 0.17), 0.35)
    oak = colour("Oak", (0.6, 0.42, 0.25), 0.6)

    top_z = STEPS * RISE + RISE   # landing level
    bm = bmesh.new()
    rod(bm, (0, 0, 0), (0, 0, top_z + 0.15), R_IN, segs=24)
    link("Column", bm, steel, smooth=True)

    bm = bmesh.new()
    for i in range(STEPS):
        c = START + i * TURN
        wedge(bm, c - TURN / 2, c + TURN / 2 + math.radians(2), (i + 1) * RISE)
    # landing: a quarter-circle platform continuing the turn
    c = START + STEPS * TURN
    wedge(bm, c - TURN / 2, c - TURN / 2 + math.pi / 2, top_z, arc=12)
    link("Treads", bm, oak)

    # balusters (one per tread, at its outer middle) and the helical handrail
    bm = bmesh.new()
    for i in range(STEPS):
        a = START + i * TURN
        z = (i + 1) * RISE
        p = Vector((RAIL_R * math.cos(a), RAIL_R * math.sin(a), z))
        rod(bm, p, p + Vector((0, 0, RAIL_H)), 0.012)
    link("Balusters", bm, steel)

    bm = bmesh.new()
    pts = []
    n = 96
    for k in range(n + 1):
        s = -0.5 + (STEPS - 0.5) * k / n          # in steps
        a = START + s * TURN
        pts.append(Vector((RAIL_R * math.cos(a), RAIL_R * math.sin(a), (s + 1) * RISE + RAIL_H)))
    segs = 10
    rings, prev_n = [], None
    for i, p in enumerate(pts):
        t = (pts[min(i + 1, n)] - pts[max(i - 1, 0)]).normalized()
        nrm = (prev_n - t * prev_n.dot(t)).normalized() if prev_n else t.cross(Vector((0, 0, 1))).normalized()
        prev_n = nrm
        b = t.cross(nrm)
        rings.append([bm.verts.new(p + (nrm * math.cos(a) + b * math.sin(a)) * 0.025)
                      for a in (2 * math.pi * j / segs for j in range(segs))])
    for r0, r1 in zip(rings, rings[1:]):
        for j in range(segs):
            bm.faces.new((r0[j], r0[(j + 1) % segs], r1[(j + 1) % segs], r1[j]))
    bm.faces.new(list(reversed(rings[0])))
    bm.faces.new(rings[-1])
    link("Handrail", bm, steel, smooth=True)


if __name__ == "__main__":
    build()
