"""Reference script (demo corpus) - single-span stone arch footbridge.

Semicircular arch of 6 m span (radius 3 m) built from 17 voussoirs, spandrel
walls and abutments forming one solid, a deck level at 3.7 m with sloping
approaches, parapets with capstones. About 12 m long (X), 3.2 m wide (Y).
Springing line at z = 0, foundations to z = -0.5. Z-up, metres.
"""
import math

import bpy
import bmesh
from mathutils import Matrix, Vector

R = 3.0            # intrados radius
RING = 0.5         # voussoir depth
WIDTH = 3.2
DECK = 3.7
END_X = 6.0
END_Z = 2.9
PARAPET_H = 0.9
PARAPET_T = 0.3


def colour(name, rgb, rough=0.9):
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
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def prism(bm, outline_xz, y0, y1):
    """Extrude a simple polygon given in the XZ plane between y0 and y1."""
    front = [bm.verts.new((x, y0, z)) for x, z in outline_xz]
    back = [bm.verts.new((x, y1, z)) for x, z in outline_xz]
    bm.faces.new(front)
    bm.faces.new(list(reversed(back)))
    n = len(outline_xz)
    for i in range(n):
        j = (i + 1) % n
        bm.faces.new((front[i], back[i], back[j], front[j]))


def deck_z(x):
    ax = abs(x)
    if ax <= R + RING:
        return DECK
    return DECK + (END_Z - DECK) * (ax - R - RING) / (END_X - R - RING)


def build():
    stone = colour("Stone", (0.58, 0.56, 0.52))
    dark = colour("StoneDark", (0.45, 0.43, 0.4))
    cap = colour("Capstone", (0.68, 0.66, 0.62))

    # spandrels + abutments: one profile with the arch opening cut out of its bottom edge
    outline = [(-END_X, -0.5), (-R, -0.5), (-R, 0.0)]
    outline += [(-R * math.cos(a), R * math.sin(a)) for a in (math.pi * i / 32 for i in range(1, 32))]
    outline += [(R, 0.0), (R, -0.5), (END_X, -0.5), (END_X, END_Z), (R + RING, DECK), (-R - RING, DECK),
                (-END_X, END_Z)]
    bm = bmesh.new()
    prism(bm, outline, -WIDTH / 2, WIDTH / 2)
    link("Spandrels", bm, stone)

    # voussoirs: wedge stones proud of the wall faces by 4 cm
    bm = bmesh.new()
    n = 17
    gap = math.radians(0.6)
    for i in range(n):
        a0 = math.pi * i / n + gap / 2
        a1 = math.pi * (i + 1) / n - gap / 2
        pts = [(-R * math.cos(a0), R * math.sin(a0)), (-(R + RING) * math.cos(a0), (R + RING) * math.sin(a0)),
               (-(R + RING) * math.cos(a1), (R + RING) * math.sin(a1)), (-R * math.cos(a1), R * math.sin(a1))]
        pts = [(x, z - 0.001) for x, z in pts]
        prism(bm, pts[::-1], -WIDTH / 2 - 0.04, WIDTH / 2 + 0.04)
    link("Voussoirs", bm, dark)

    # parapets and capstones: three straight runs per side following the deck
    breaks = [-END_X, -R - RING, R + RING, END_X]
    for side in (-1, 1):
        y = side * (WIDTH / 2 - PARAPET_T / 2)
        bm_wall, bm_cap = bmesh.new(), bmesh.new()
        for x0, x1 in zip(breaks, breaks[1:]):
            z0, z1 = deck_z(x0), deck_z(x1)
            prism(bm_wall, [(x0, z0), (x1, z1), (x1, z1 + PARAPET_H), (x0, z0 + PARAPET_H)][::-1],
                  y - PARAPET_T / 2, y + PARAPET_T / 2)
            prism(bm_cap, [(x0 - 0.02, z0 + PARAPET_H), (x1 + 0.02, z1 + PARAPET_H),
                           (x1 + 0.02, z1 + PARAPET_H + 0.12), (x0 - 0.02, z0 + PARAPET_H + 0.12)][::-1],
                  y - PARAPET_T / 2 - 0.05, y + PARAPET_T / 2 + 0.05)
        link(f"Parapet{'LR'[side > 0]}", bm_wall, stone)
        link(f"Capstones{'LR'[side > 0]}", bm_cap, cap)


if __name__ == "__main__":
    build()
