"""Reference script (demo corpus) - round ceramic teapot.

Squat round body (20 cm across, 13 cm high) on a foot ring, lid with a knob,
S-shaped spout on -X, loop handle on +X; about 19 cm tall. Z-up, metres.
"""
import math

import bpy
import bmesh
from mathutils import Vector


def colour(name, rgb, rough=0.2):
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


def lathe(profile, steps=64):
    bm = bmesh.new()
    verts = [bm.verts.new((r, 0.0, z)) for r, z in profile]
    edges = [bm.edges.new((a, b)) for a, b in zip(verts, verts[1:])]
    bmesh.ops.spin(bm, geom=verts + edges, axis=(0, 0, 1), cent=(0, 0, 0),
                   angle=2 * math.pi, steps=steps, use_merge=True)
    bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-6)
    return bm


def bezier(p0, p1, p2, p3, n):
    return [p0 * (1 - t) ** 3 + p1 * 3 * t * (1 - t) ** 2 + p2 * 3 * t * t * (1 - t) + p3 * t ** 3
            for t in (i / (n - 1) for i in range(n))]


def tube(bm, pts, radii, segs=16):
    rings, prev_n = [], None
    for i, p in enumerate(pts):
        t = (pts[min(i + 1, len(pts) - 1)] - pts[max(i - 1, 0)]).normalized()
        if prev_n is None:
            n = t.cross(Vector((0, 1, 0))).normalized()
        else:
            n = (prev_n - t * prev_n.dot(t)).normalized()
        b = t.cross(n)
        prev_n = n
        rings.append([bm.verts.new(p + (n * math.cos(a) + b * math.sin(a)) * radii[i])
                      for a in (2 * math.pi * k / segs for k in range(segs))])
    for r0, r1 in zip(rings, rings[1:]):
        for k in range(segs):
            bm.faces.new((r0[k], r0[(k + 1) % segs], r1[(k + 1) % segs], r1[k]))
    bm.faces.new(list(reversed(rings[0])))
    bm.faces.new(rings[-1])


def body_radius(z):
    """Squashed sphere: widest (10 cm) at z = 6 cm."""
    return math.sqrt(max(0.0, 1 - ((z - 0.06) / 0.072) ** 2)) * 0.10


def build():
    glaze = colour("Glaze", (0.2, 0.42, 0.45))

    # body: foot ring, bulging wall, shoulder opening with a small collar
    prof = [(0.0, 0.006), (0.055, 0.006), (0.058, 0.0), (0.064, 0.0), (0.066, 0.006)]
    for i in range(1, 15):
        z = 0.006 + (0.118 - 0.006) * i / 14
        prof.append((max(body_radius(z), 0.05), z))
    prof += [(0.052, 0.124), (0.048, 0.124), (0.048, 0.115), (0.0, 0.115)]
    link("Body", lathe(prof), glaze)

    # lid with knob
    lid = [(0.0, 0.135), (0.02, 0.133), (0.04, 0.127), (0.051, 0.123), (0.051, 0.12), (0.045, 0.12),
           (0.045, 0.112), (0.0, 0.112)]
    link("Lid", lathe(lid), glaze)
    knob = [(0.0, 0.134), (0.008, 0.134), (0.006, 0.142)]
    knob += [(0.013 * math.sin(a), 0.153 - 0.011 * math.cos(a)) for a in (math.pi * i / 10 for i in range(2, 11))]
    link("Knob", lathe(knob, 32), glaze)

    # spout: S-curve from the lower body on -X, tapering to the tip
    bm = bmesh.new()
    pts = bezier(Vector((-0.07, 0, 0.045)), Vector((-0.12, 0, 0.05)),
                 Vector((-0.12, 0, 0.11)), Vector((-0.165, 0, 0.135)), 16)
    radii = [0.02 - 0.011 * (i / 15) for i in range(16)]
    tube(bm, pts, radii)
    link("Spout", bm, glaze)

    # handle: loop on +X
    bm = bmesh.new()
    pts = bezier(Vector((0.085, 0, 0.105)), Vector((0.16, 0, 0.12)),
                 Vector((0.165, 0, 0.03)), Vector((0.085, 0, 0.035)), 20)
    tube(bm, pts, [0.008] * 20, segs=12)
    link("Handle", bm, glaze)


if __name__ == "__main__":
    build()
