"""Reference script (demo corpus) - fly agaric mushroom.

A 14 cm stem with a bulbous foot and a skirt-like ring, under a domed red cap
11 cm across, dotted with white warts. Z-up, metres.
"""
import math
import random

import bpy
import bmesh
from mathutils import Matrix, Vector

CAP_R = 0.055
STEM_H = 0.14


def colour(name, rgb, rough=0.5):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = rough
    return mat


def lathe(profile, steps=48):
    bm = bmesh.new()
    verts = [bm.verts.new((r, 0.0, z)) for r, z in profile]
    edges = [bm.edges.new((a, b)) for a, b in zip(verts, verts[1:])]
    bmesh.ops.spin(bm, geom=verts + edges, axis=(0, 0, 1), cent=(0, 0, 0),
                   angle=2 * math.pi, steps=steps, use_merge=True)
    bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-6)
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
    return bm


def link(name, bm, mat, smooth=True):
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    me.materials.append(mat)
    for poly in me.polygons:
        poly.use_smooth = smooth
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def cap_surface(u):
    """Point on the cap's top surface at polar parameter u in [0, 1] (0 = apex)."""
    a = u * math.radians(100)
    return CAP_R * math.sin(a) * 1.02, STEM_H - 0.012 + 0.045 * math.cos(a)


def build():
    red = colour("CapRed", (0.75, 0.06, 0.03), 0.35)
    cream = colour("Cream", (0.93, 0.9, 0.8), 0.7)

    # stem: bulbous foot, slender shaft, slightly flared top
    stem = [(0.0, 0.0), (0.018, 0.0), (0.024, 0.008), (0.023, 0.02), (0.016, 0.035),
            (0.0135, 0.07), (0.012, 0.11), (0.013, STEM_H - 0.005), (0.0, STEM_H - 0.005)]
    link("Stem", lathe(stem), cream)

    # hanging ring (annulus) just below the cap
    ring = [(0.012, 0.118), (0.02, 0.112), (0.024, 0.104), (0.022, 0.103),
            (0.018, 0.109), (0.012, 0.114)]
    link("Ring", lathe(ring + ring[:1]), cream)

    # cap: domed top, rolled rim, flat gill underside
    top = [cap_surface(i / 12) for i in range(13)]
    under = [(CAP_R * 0.9, STEM_H - 0.018), (CAP_R * 0.5, STEM_H - 0.012),
             (0.014, STEM_H - 0.006), (0.0, STEM_H - 0.006)]
    link("Cap", lathe(top + under, steps=64), red)

    # gills: thin radial plates under the cap
    bm = bmesh.new()
    for k in range(36):
        a = 2 * math.pi * k / 36
        res = bmesh.ops.create_cube(bm, size=1.0)
        vs = res["verts"]
        bmesh.ops.scale(bm, vec=(0.034, 0.0012, 0.005), verts=vs)
        bmesh.ops.translate(bm, vec=(0.031, 0, STEM_H - 0.0125), verts=vs)
        bmesh.ops.rotate(bm, cent=(0, 0, 0), matrix=Matrix.Rotation(a, 3, "Z"), verts=vs)
    link("Gills", bm, cream, smooth=False)

    # white warts scattered over the dome, flattened onto the surface
    rng = random.Random(7)
    bm = bmesh.new()
    for _ in range(28):
        u = math.sqrt(rng.uniform(0.02, 0.8))
        phi = rng.uniform(0, 2 * math.pi)
        r, z = cap_surface(u)
        pos = Vector((r * math.cos(phi), r * math.sin(phi), z))
        tilt = u * math.radians(100)
        normal = Vector((math.sin(tilt) * math.cos(phi), math.sin(tilt) * math.sin(phi), math.cos(tilt)))
        size = rng.uniform(0.004, 0.0075)
        res = bmesh.ops.create_icosphere(bm, subdivisions=1, radius=size)
        vs = res["verts"]
        bmesh.ops.scale(bm, vec=(1, 1, 0.45), verts=vs)
        rot = normal.to_track_quat("Z", "Y").to_matrix()
        bmesh.ops.rotate(bm, cent=(0, 0, 0), matrix=rot, verts=vs)
        bmesh.ops.translate(bm, vec=pos, verts=vs)
    link("Warts", bm, cream)


if __name__ == "__main__":
    build()
