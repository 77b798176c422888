"""Reference script (demo corpus) - striped coastal lighthouse.

A 13 m tapered round tower (3.6 m across at the base, 2.2 m at the top) in red
and white bands on an octagonal stone base, with a railed gallery, a glazed
lantern room and a domed red roof with a finial; about 17.5 m tall. Z-up, metres.
"""
import math

import bpy
import bmesh
from mathutils import Matrix, Vector

BASE_H = 0.8
TOWER_TOP = 13.0
R_BOTTOM = 1.8
R_TOP = 1.1


def colour(name, rgb, rough=0.6):
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
    if smooth:
        for poly in me.polygons:
            poly.use_smooth = True
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def frustum(bm, r0, r1, z0, z1, segs=48):
    res = bmesh.ops.create_cone(bm, cap_ends=True, cap_tris=False, segments=segs,
                                radius1=r0, radius2=r1, depth=z1 - z0)
    bmesh.ops.translate(bm, vec=(0, 0, (z0 + z1) / 2), verts=res["verts"])
    return res["verts"]


def tower_radius(z):
    t = (z - BASE_H) / (TOWER_TOP - BASE_H)
    return R_BOTTOM + (R_TOP - R_BOTTOM) * t


def build():
    white = colour("White", (0.93, 0.93, 0.9))
    red = colour("Red", (0.7, 0.08, 0.06))
    stone = colour("Stone", (0.55, 0.53, 0.5), 0.9)
    metal = colour("Metal", (0.12, 0.12, 0.13), 0.4)
    glass = colour("Glass", (0.55, 0.7, 0.75), 0.05)
    dark = colour("Openings", (0.08, 0.09, 0.1))

    # octagonal stone base
    bm = bmesh.new()
    frustum(bm, 2.6, 2.4, 0.0, BASE_H, segs=8)
    link("Base", bm, stone)

    # tower in five bands, alternating red and white
    bands = 5
    for i in range(bands):
        z0 = BASE_H + (TOWER_TOP - BASE_H) * i / bands
        z1 = BASE_H + (TOWER_TOP - BASE_H) * (i + 1) / bands
        bm = bmesh.new()
        frustum(bm, tower_radius(z0), tower_radius(z1), z0, z1)
        link(f"TowerBand{i}", bm, red if i % 2 else white, smooth=True)

    # door and small windows on the front (-Y) face, one window at the back
    bm = bmesh.new()
    for z, w, h, side in ((BASE_H + 1.0, 0.9, 2.0, -1), (4.5, 0.45, 0.7, -1), (7.5, 0.45, 0.7, -1),
                          (10.5, 0.4, 0.65, -1), (6.0, 0.45, 0.7, 1)):
        res = bmesh.ops.create_cube(bm, size=1.0)
        bmesh.ops.scale(bm, vec=(w, 0.3, h), verts=res["verts"])
        bmesh.ops.translate(bm, vec=(0, side * (tower_radius(z) - 0.1), z), verts=res["verts"])
    link("Openings", bm, dark)

    # gallery deck, corbel ring and railing
    bm = bmesh.new()
    frustum(bm, 1.2, 1.75, TOWER_TOP - 0.45, TOWER_TOP, segs=48)
    link("Corbel", bm, white, smooth=True)
    bm = bmesh.new()
    frustum(bm, 1.8, 1.8, TOWER_TOP, TOWER_TOP + 0.2, segs=48)
    link("GalleryDeck", bm, metal)
    bm = bmesh.new()
    posts = 24
    for k in range(posts):
        a = 2 * math.pi * k / posts
        res = bmesh.ops.create_cube(bm, size=1.0)
        bmesh.ops.scale(bm, vec=(0.05, 0.05, 1.0), verts=res["verts"])
        bmesh.ops.translate(bm, vec=(1.7 * math.cos(a), 1.7 * math.sin(a), TOWER_TOP + 0.7),
                            verts=res["verts"])
    for zr in (TOWER_TOP + 0.65, TOWER_TOP + 1.2):
        res = bmesh.ops.create_circle(bm, cap_ends=False, segments=48, radius=1.7)
        ring = res["verts"]
        bmesh.ops.translate(bm, vec=(0, 0, zr), verts=ring)
        # give the rail a square section by extruding the circle
        edges = list({e for v in ring for e in v.link_edges})
        ext = bmesh.ops.extrude_edge_only(bm, edges=edges)
        top = [e for e in ext["geom"] if isinstance(e, bmesh.types.BMVert)]
        bmesh.ops.translate(bm, vec=(0, 0, 0.05), verts=top)
    link("Railing", bm, metal)

    # lantern room: low wall, glazing, mullions
    z_l = TOWER_TOP + 0.2
    bm = bmesh.new()
    frustum(bm, 1.0, 1.0, z_l, z_l + 0.5, segs=16)
    link("LanternWall", bm, white)
    bm = bmesh.new()
    frustum(bm, 0.9, 0.9, z_l + 0.5, z_l + 2.1, segs=16)
    link("LanternGlass", bm, glass)
    bm = bmesh.new()
    for k in range(8):
        a = 2 * math.pi * (k + 0.5) / 8
        res = bmesh.ops.create_cube(bm, size=1.0)
        bmesh.ops.scale(bm, vec=(0.07, 0.07, 1.6), verts=res["verts"])
        bmesh.ops.translate(bm, vec=(0.92 * math.cos(a), 0.92 * math.sin(a), z_l + 1.3),
                            verts=res["verts"])
    link("Mullions", bm, metal)

    # roof: dome, ventilator ball, lightning rod
    z_r = z_l + 2.1
    bm = bmesh.new()
    verts = [bm.verts.new((1.1 * math.cos(a), 0, z_r + 0.9 * math.sin(a)))
             for a in (math.pi / 2 * i / 8 for i in range(9))]
    verts.insert(0, bm.verts.new((0, 0, z_r)))
    edges = [bm.edges.new((a, b)) for a, b in zip(verts, verts[1:])]
    bmesh.ops.spin(bm, geom=verts + edges, axis=(0, 0, 1), cent=(0, 0, 0),
                   angle=2 * math.pi, steps=32, use_merge=True)
    bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-6)
    link("Dome", bm, red, smooth=True)
    bm = bmesh.new()
    res = bmesh.ops.create_uvsphere(bm, u_segments=16, v_segments=8, radius=0.2)
    bmesh.ops.translate(bm, vec=(0, 0, z_r + 1.05), verts=res["verts"])
    res = bmesh.ops.create_cone(bm, cap_ends=True, segments=8, radius1=0.03, radius2=0.01, depth=0.9)
    bmesh.ops.translate(bm, vec=(0, 0, z_r + 1.6), verts=res["verts"])
    link("Finial", bm, metal, smooth=True)


if __name__ == "__main__":
    build()
