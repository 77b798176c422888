"""Reference script (demo corpus) - 700C road bicycle wheel.

67 cm tyre, 62 cm rim, hub with two flanges, 32 straight spokes alternating
between the flanges. The wheel stands upright in the XZ plane, axle along Y,
touching the ground at z = 0. Z-up, metres.
"""
import math

import bpy
import bmesh
from mathutils import Matrix, Vector

R_TYRE = 0.335         # outer radius of the tyre
TYRE_SEC = 0.014       # tyre section radius
R_RIM = 0.31           # rim outer radius (bead seat)
CENTER = Vector((0.0, 0.0, R_TYRE))
SPOKES = 32


def colour(name, rgb, rough=0.5, metal=0.0):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
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


def revolve_y(profile, steps, closed=True):
    """Revolve (radial, y) points around the Y axis, then move to the wheel centre."""
    bm = bmesh.new()
    verts = [bm.verts.new((r, y, 0.0)) for r, y in profile]
    pairs = list(zip(verts, verts[1:])) + ([(verts[-1], verts[0])] if closed else [])
    edges = [bm.edges.new(p) for p in pairs]
    bmesh.ops.spin(bm, geom=verts + edges, axis=(0, 1, 0), cent=(0, 0, 0),
                   angle=2 * math.pi, steps=steps, use_merge=True)
    bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-6)
    bmesh.ops.translate(bm, vec=CENTER, verts=bm.verts)
    return bm


def rod(bm, a, b, radius, segs=6):
    res = bmesh.ops.create_cone(bm, cap_ends=True, segments=segs, radius1=radius, radius2=radius,
                                depth=(b - a).length)
    rot = (b - a).to_track_quat("Z", "Y").to_matrix()
    bmesh.ops.rotate(bm, cent=(0, 0, 0), matrix=rot, verts=res["verts"])
    bmesh.ops.translate(bm, vec=(a + b) / 2, verts=res["verts"])


def build():
    rubber = colour("Rubber", (0.04, 0.04, 0.04), 0.8)
    alu = colour("Aluminium", (0.75, 0.76, 0.78), 0.3, 1.0)
    steel = colour("Steel", (0.6, 0.6, 0.62), 0.25, 1.0)

    # tyre: circular section revolved around the axle
    rc = R_TYRE - TYRE_SEC
    section = [(rc + TYRE_SEC * math.cos(a), TYRE_SEC * math.sin(a))
               for a in (2 * math.pi * i / 12 for i in range(12))]
    link("Tyre", revolve_y(section, 96), rubber)

    # rim: box section with a shallow bead channel
    rim = [(R_RIM - 0.0, -0.0095), (R_RIM + 0.002, -0.0095), (R_RIM + 0.002, -0.007), (R_RIM, -0.006),
           (R_RIM, 0.006), (R_RIM + 0.002, 0.007), (R_RIM + 0.002, 0.0095), (R_RIM, 0.0095),
           (R_RIM - 0.02, 0.008), (R_RIM - 0.024, 0.0), (R_RIM - 0.02, -0.008)]
    link("Rim", revolve_y(rim, 96), alu, smooth=False)

    # hub: body, two flanges, axle
    hub = [(0.0, -0.065), (0.005, -0.065), (0.005, -0.05), (0.012, -0.05), (0.012, -0.034),
           (0.028, -0.033), (0.028, -0.027), (0.011, -0.025), (0.011, 0.025), (0.028, 0.027),
           (0.028, 0.033), (0.012, 0.034), (0.012, 0.05), (0.005, 0.05), (0.005, 0.065), (0.0, 0.065)]
    link("Hub", revolve_y(hub, 32, closed=False), steel)

    # spokes: alternate flanges, rim ends slightly offset for a laced look
    bm = bmesh.new()
    for i in range(SPOKES):
        a = 2 * math.pi * i / SPOKES
        side = 1 if i % 2 else -1
        fl = Vector((0.024 * math.cos(a), side * 0.03, 0.024 * math.sin(a)))
        a_rim = a + side * math.radians(1.5)
        rp = Vector(((R_RIM - 0.022) * math.cos(a_rim), side * 0.002, (R_RIM - 0.022) * math.sin(a_rim)))
        rod(bm, fl + CENTER, rp + CENTER, 0.001)
    link("Spokes", bm, steel, smooth=False)


if __name__ == "__main__":
    build()
