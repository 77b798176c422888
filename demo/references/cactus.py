"""Reference script (demo corpus) - saguaro cactus.

A 1.8 m ribbed column (12 ribs, 32 cm across) with two upturned arms, standing
on a low sand mound. Z-up, metres.
"""
import math

import bpy
import bmesh
from mathutils import Vector

RIBS = 12
SEGS = RIBS * 4


def colour(name, rgb, rough=0.6):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = rough
    return mat


def link(name, bm, mat):
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    me.materials.append(mat)
    for poly in me.polygons:
        poly.use_smooth = True
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def ribbed_tube(bm, pts, radii):
    """Sweep a ribbed (star-like) section along pts; radii[i] scales ring i."""
    rings, prev_n = [], None
    for i, p in enumerate(pts):
        t = (pts[min(i + 1, len(pts) - 1)] - pts[max(i - 1, 0)]).normalized()
        if prev_n is None:
            n = t.cross(Vector((0, 1, 0)) if abs(t.y) < 0.9 else Vector((1, 0, 0))).normalized()
        else:
            n = (prev_n - t * prev_n.dot(t)).normalized()
        b = t.cross(n)
        prev_n = n
        ring = []
        for k in range(SEGS):
            a = 2 * math.pi * k / SEGS
            rib = 1.0 + 0.07 * math.cos(RIBS * a)
            ring.append(bm.verts.new(p + (n * math.cos(a) + b * math.sin(a)) * radii[i] * rib))
        rings.append(ring)
    for r0, r1 in zip(rings, rings[1:]):
        for k in range(SEGS):
            bm.faces.new((r0[k], r0[(k + 1) % SEGS], r1[(k + 1) % SEGS], r1[k]))
    bm.faces.new(list(reversed(rings[0])))
    bm.faces.new(rings[-1])


def domed(length, radius, n_body=10, n_dome=7):
    """Arc-length stations and radii of a cylinder of `length` with a round tip."""
    body = length - radius
    stations = [body * i / n_body for i in range(n_body)]
    radii = [radius] * n_body
    for j in range(n_dome + 1):
        a = (math.pi / 2) * j / n_dome
        stations.append(body + radius * math.sin(a))
        radii.append(max(radius * math.cos(a), radius * 0.04))
    return stations, radii


def build():
    green = colour("CactusGreen", (0.18, 0.42, 0.16))
    sand = colour("Sand", (0.78, 0.66, 0.45), 0.9)

    bm = bmesh.new()
    # main column
    st, rr = domed(1.8, 0.16, n_body=14)
    ribbed_tube(bm, [Vector((0, 0, s - 0.05)) for s in st], rr)

    # arms: out horizontally, quarter-bend, then straight up
    for side, z0, reach, top, r in ((-1, 0.72, 0.22, 1.32, 0.095), (1, 0.98, 0.18, 1.48, 0.085)):
        pts, radii = [], []
        bend = 0.12
        for i in range(4):  # horizontal run, starting inside the column
            pts.append(Vector((side * (0.05 + (reach - bend - 0.05) * i / 3), 0, z0)))
        cx = side * (reach - bend)
        for j in range(1, 7):  # quarter circle bend
            a = (math.pi / 2) * j / 6
            pts.append(Vector((cx + side * bend * math.sin(a), 0, z0 + bend * (1 - math.cos(a)))))
        x_up = cx + side * bend
        up_len = top - (z0 + bend)
        st, rad_tip = domed(up_len, r, n_body=5, n_dome=5)
        for s in st[1:]:
            pts.append(Vector((x_up, 0, z0 + bend + s)))
        radii = [r] * (len(pts) - len(st) + 1) + rad_tip[1:]
        ribbed_tube(bm, pts, radii)
    link("Saguaro", bm, green)

    # low sand mound the cactus stands in
    bm = bmesh.new()
    prof = [(0.0, 0.04), (0.2, 0.035), (0.35, 0.02), (0.45, 0.0), (0.0, 0.0)]
    verts = [bm.verts.new((r, 0, z)) for r, z in prof]
    edges = [bm.edges.new((a, b)) for a, b in zip(verts, verts[1:])]
    bmesh.ops.spin(bm, geom=verts + edges, axis=(0, 0, 1), cent=(0, 0, 0),
                   angle=2 * math.pi, steps=40, use_merge=True)
    bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-6)
    link("SandMound", bm, sand)


if __name__ == "__main__":
    build()
