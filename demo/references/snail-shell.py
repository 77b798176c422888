"""Reference script (demo corpus) - garden snail shell.

A helico-spiral tube of 3.25 whorls growing 1.9x per whorl around a raised
apex, with an open, lipped aperture and darker spiral bands; about 3.5 cm across
and 2 cm high, resting on the XY plane with the coil axis along Z. Metres.
"""
import math

import bpy
import bmesh
from mathutils import Vector

WHORLS = 3.25
GROWTH = 1.9
THETA_MAX = WHORLS * 2 * math.pi
B = math.log(GROWTH) / (2 * math.pi)
D_END = 0.0125           # distance of the tube centre from the axis at the aperture
A = D_END / math.exp(B * THETA_MAX)
SECTION = 0.56           # tube radius as a fraction of that distance
SEGS = 20
STEPS = 140


def colour(name, rgb, rough=0.35):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = rough
    return mat


def centre(theta):
    d = A * math.exp(B * theta)
    s = d / D_END
    return Vector((d * math.cos(theta), d * math.sin(theta), 0.016 * (1 - s)))


def build():
    light = colour("ShellLight", (0.72, 0.55, 0.35))
    dark = colour("ShellBand", (0.35, 0.22, 0.12))

    bm = bmesh.new()
    rings = []
    for i in range(STEPS + 1):
        th = 0.4 + (THETA_MAX - 0.4) * i / STEPS
        c = centre(th)
        r = SECTION * A * math.exp(B * th)
        radial = Vector((math.cos(th), math.sin(th), 0))
        up = Vector((0, 0, 1))
        ring = []
        for k in range(SEGS):
            a = 2 * math.pi * k / SEGS
            # slightly flattened oval section
            ring.append(bm.verts.new(c + radial * (r * math.cos(a)) + up * (0.85 * r * math.sin(a))))
        rings.append(ring)
    for j, (r0, r1) in enumerate(zip(rings, rings[1:])):
        for k in range(SEGS):
            f = bm.faces.new((r0[k], r0[(k + 1) % SEGS], r1[(k + 1) % SEGS], r1[k]))
            f.material_index = 1 if k in (3, 4, 14) else 0
    bm.faces.new(list(reversed(rings[0])))   # closed apex

    # aperture lip: flare the last ring outwards a little and add a rim
    last = rings[-1]
    c_end = centre(THETA_MAX)
    lip = []
    for v in last:
        lip.append(bm.verts.new(c_end + (v.co - c_end) * 1.12 + Vector((0, 0, 0))))
    inner = [bm.verts.new(c_end + (v.co - c_end) * 0.9) for v in last]
    for k in range(SEGS):
        n = (k + 1) % SEGS
        bm.faces.new((last[k], last[n], lip[n], lip[k]))
        bm.faces.new((lip[k], lip[n], inner[n], inner[k]))
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)

    # rest on the ground
    zmin = min(v.co.z for v in bm.verts)
    bmesh.ops.translate(bm, vec=(0, 0, -zmin), verts=bm.verts)

    me = bpy.data.meshes.new("Shell")
    bm.to_mesh(me)
    bm.free()
    me.materials.append(light)
    me.materials.append(dark)
    for poly in me.polygons:
        poly.use_smooth = True
    ob = bpy.data.objects.new("SnailShell", me)
    bpy.context.scene.collection.objects.link(ob)


if __name__ == "__main__":
    build()
