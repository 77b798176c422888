"""Reference script (demo corpus) - table lamp.

Round brass base (16 cm), slender 32 cm stem, bulb holder with a switch,
bulb, a spider fitting and an open drum shade (30 -> 26 cm, 22 cm tall).
Total height about 48 cm. Z-up, metres.
"""
import math

import bpy
import bmesh
from mathutils import Vector


def colour(name, rgb, rough=0.5, metal=0.0):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    mat.metallic = metal
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = rough
        bsdf.inputs["Metallic"].default_value = metal
    return mat


def link(name, bm, mat, smooth=True):
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


def lathe(profile, steps=48, closed=False):
    bm = bmesh.new()
    verts = [bm.verts.new((r, 0.0, z)) for r, z in profile]
    pairs = list(zip(verts, verts[1:])) + ([(verts[-1], verts[0])] if closed else [])
    edges = [bm.edges.new(p) for p in pairs]
    bmesh.ops.spin(bm, geom=verts + edges, axis=(0, 0, 1), cent=(0, 0, 0),
                   angle=2 * math.pi, steps=steps, use_merge=True)
    bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-6)
    return bm


def rod(bm, a, b, radius, segs=8):
    a, b = Vector(a), Vector(b)
    res = bmesh.ops.create_cone(bm, cap_ends=True, segments=segs, radius1=radius, radius2=radius,
                                depth=(b - a).length)
    rot = (b - a).to_track_quat("Z", "Y").to_matrix()
    bmesh.ops.rotate(bm, cent=(0, 0, 0), matrix=rot, verts=res["verts"])
    bmesh.ops.translate(bm, vec=(a + b) / 2, verts=res["verts"])


def build():
    brass = colour("Brass", (0.78, 0.6, 0.3), 0.3, 1.0)
    fabric = colour("ShadeFabric", (0.93, 0.89, 0.8), 0.9)
    bulb_glass = colour("Bulb", (1.0, 0.97, 0.85), 0.1)
    black = colour("Bakelite", (0.05, 0.05, 0.05), 0.4)

    # base with a rounded top edge
    base = [(0.0, 0.0), (0.08, 0.0), (0.08, 0.012)]
    base += [(0.068 + 0.012 * math.cos(a), 0.012 + 0.012 * math.sin(a))
             for a in (math.pi / 2 * i / 6 for i in range(1, 7))]
    base += [(0.02, 0.026), (0.012, 0.03), (0.0, 0.03)]
    link("Base", lathe(base, 64), brass)

    # stem
    bm = bmesh.new()
    rod(bm, (0, 0, 0.028), (0, 0, 0.34), 0.006, segs=16)
    link("Stem", bm, brass)

    # bulb holder (socket) and switch knob
    holder = [(0.0, 0.33), (0.012, 0.33), (0.016, 0.335), (0.016, 0.375), (0.014, 0.378), (0.0, 0.378)]
    link("Holder", lathe(holder, 24), black)
    bm = bmesh.new()
    rod(bm, (0.015, 0, 0.355), (0.028, 0, 0.355), 0.003)
    rod(bm, (0.028, 0, 0.355), (0.028, 0, 0.32), 0.0008, segs=6)
    link("Switch", bm, brass)

    # bulb
    bulb = [(0.0, 0.376), (0.011, 0.376), (0.013, 0.39)]
    bulb += [(0.03 * math.sin(a), 0.415 - 0.03 * math.cos(a)) for a in (math.pi * i / 12 for i in range(3, 13))]
    link("Bulb", lathe(bulb, 24), bulb_glass)

    # drum shade: thin closed wall, open top and bottom
    z0, z1, r0, r1, t = 0.25, 0.47, 0.15, 0.13, 0.003
    shade = [(r0, z0), (r1, z1), (r1 - t, z1), (r0 - t, z0)]
    link("Shade", lathe(shade, 64, closed=True), fabric, smooth=False)
    for poly in bpy.data.objects["Shade"].data.polygons:
        poly.use_smooth = True

    # spider: ring round the holder and three arms to the top rim of the shade
    bm = bmesh.new()
    for k in range(3):
        a = 2 * math.pi * k / 3
        d = Vector((math.cos(a), math.sin(a), 0))
        rod(bm, d * 0.016 + Vector((0, 0, 0.372)), d * (r1 - t) + Vector((0, 0, z1 - 0.004)), 0.0015, 6)
    link("Spider", bm, brass)


if __name__ == "__main__":
    build()
