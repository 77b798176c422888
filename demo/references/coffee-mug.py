"""Reference script (demo corpus) - ceramic coffee mug.

Cylindrical mug 9.5 cm tall, 8 cm outer diameter, 4 mm walls, thick base,
rounded lip, and a C-shaped loop handle on the +X side. Z-up, metres.
"""
import math

import bpy
import bmesh
from mathutils import Vector

R_OUT = 0.040
H = 0.095
WALL = 0.004
BASE = 0.007


def glaze(name, rgb):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = 0.15
    return mat


def link(name, bm, mat):
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    me.materials.append(mat)
    for poly in me.polygons:
        poly.use_smooth = True
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def lathe(profile, steps=64):
    """Revolve a list of (radius, z) points around Z into a closed surface."""
    bm = bmesh.new()
    verts = [bm.verts.new((r, 0.0, z)) for r, z in profile]
    edges = [bm.edges.new((a, b)) for a, b in zip(verts, verts[1:])]
    bmesh.ops.spin(bm, geom=verts + edges, axis=(0, 0, 1), cent=(0, 0, 0),
                   angle=2 * math.pi, steps=steps, use_merge=True)
    bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-6)
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
    return bm


def tube(bm, pts, radius, segs=16):
    """Sweep a circle of `radius` along the points `pts`; open ends are capped."""
    rings, prev_n = [], None
    for i, p in enumerate(pts):
        t = (pts[min(i + 1, len(pts) - 1)] - pts[max(i - 1, 0)]).normalized()
        if prev_n is None:
            ref = Vector((0, 0, 1)) if abs(t.z) < 0.9 else Vector((1, 0, 0))
            n = t.cross(ref).normalized()
        else:
            n = (prev_n - t * prev_n.dot(t)).normalized()
        b = t.cross(n)
        prev_n = n
        rings.append([bm.verts.new(p + (n * math.cos(a) + b * math.sin(a)) * radius)
                      for a in (2 * math.pi * k / segs for k in range(segs))])
    for r0, r1 in zip(rings, rings[1:]):
        for k in range(segs):
            bm.faces.new((r0[k], r0[(k + 1) % segs], r1[(k + 1) % segs], r1[k]))
    bm.faces.new(list(reversed(rings[0])))
    bm.faces.new(rings[-1])
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)


def build():
    white = glaze("Glaze", (0.92, 0.9, 0.86))
    r_in = R_OUT - WALL
    # outer wall -> rounded lip -> inner wall -> inner floor
    profile = [(0.0, 0.0), (R_OUT - 0.004, 0.0), (R_OUT - 0.001, 0.001), (R_OUT, 0.004),
               (R_OUT, H - 0.002), (R_OUT - 0.0008, H - 0.0003), (R_OUT - WALL / 2, H),
               (r_in + 0.0008, H - 0.0003), (r_in, H - 0.002), (r_in, BASE + 0.003),
               (r_in - 0.003, BASE), (0.0, BASE)]
    link("MugBody", lathe(profile), white)

    # handle: a C loop in the XZ plane, its ends buried 2 mm into the wall
    bm = bmesh.new()
    cx, cz, rx, rz = R_OUT + 0.006, H * 0.52, 0.024, 0.030
    pts = [Vector((cx + rx * math.cos(a), 0.0, cz + rz * math.sin(a)))
           for a in (math.radians(d) for d in range(-110, 111, 8))]
    pts[0].x = pts[-1].x = R_OUT - 0.002
    tube(bm, pts, 0.0055, segs=14)
    link("MugHandle", bm, white)


if __name__ == "__main__":
    build()
