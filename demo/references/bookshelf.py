"""Reference script (demo corpus) - pine bookshelf with books.

1.8 m tall, 84 cm wide, 30 cm deep: two sides, top, raised bottom shelf on a
plinth, three inner shelves (four compartments), thin back panel; rows of
books on three shelves, one of them leaning. Z-up, metres; open front faces -Y.
"""
import math
import random

import bpy
import bmesh
from mathutils import Matrix

H = 1.8
W_IN = 0.80
D = 0.30
T = 0.02
PLINTH = 0.06


def colour(name, rgb, rough=0.6):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = rough
    return mat


def add_box(bm, size, center, rot_y=0.0):
    res = bmesh.ops.create_cube(bm, size=1.0)
    vs = res["verts"]
    bmesh.ops.scale(bm, vec=size, verts=vs)
    if rot_y:
        bmesh.ops.rotate(bm, cent=(0, 0, 0), matrix=Matrix.Rotation(rot_y, 3, "Y"), verts=vs)
    bmesh.ops.translate(bm, vec=center, verts=vs)


def link(name, bm, mats):
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    for m in mats:
        me.materials.append(m)
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def build():
    pine = colour("Pine", (0.78, 0.6, 0.4))
    backing = colour("Backing", (0.65, 0.5, 0.33))
    spines = [colour(f"Book{i}", c, 0.5) for i, c in enumerate(
        [(0.55, 0.1, 0.1), (0.1, 0.25, 0.5), (0.15, 0.4, 0.2), (0.85, 0.7, 0.3), (0.3, 0.2, 0.35), (0.9, 0.88, 0.82)])]

    # carcass
    bm = bmesh.new()
    half = W_IN / 2 + T / 2
    for sx in (-1, 1):
        add_box(bm, (T, D, H), (sx * half, 0, H / 2))
    add_box(bm, (W_IN + 2 * T, D, T), (0, 0, H - T / 2))              # top
    add_box(bm, (W_IN, T, PLINTH), (0, -D / 2 + T / 2 + 0.01, PLINTH / 2))  # kick plate
    shelf_z = [PLINTH + T / 2 + i * (H - PLINTH - T) / 4 for i in range(4)]
    for z in shelf_z:
        add_box(bm, (W_IN, D - 0.01, T), (0, 0.005, z))
    link("Carcass", bm, [pine])

    bm = bmesh.new()
    add_box(bm, (W_IN + 2 * T, 0.006, H), (0, D / 2 - 0.003, H / 2))
    link("BackPanel", bm, [backing])

    # books on three shelves
    rng = random.Random(3)
    bm = bmesh.new()
    for shelf in (0, 1, 2):
        z_top = shelf_z[shelf] + T / 2
        x = -W_IN / 2 + 0.01
        limit = W_IN / 2 - (0.12 if shelf == 1 else 0.25 if shelf == 0 else 0.05)
        while True:
            thick = rng.uniform(0.02, 0.05)
            if x + thick > limit:
                break
            h = rng.uniform(0.16, 0.28)
            d = rng.uniform(0.15, 0.22)
            before = len(bm.faces)
            add_box(bm, (thick, d, h), (x + thick / 2, -D / 2 + d / 2 + 0.03, z_top + h / 2))
            mi = rng.randrange(len(spines))
            for f in list(bm.faces)[before:]:
                f.material_index = mi
            x += thick + 0.001
        if shelf == 1:   # one book leaning against the row
            thick, h, d = 0.03, 0.24, 0.18
            ang = math.radians(-22)
            cx = x + 0.005 + h / 2 * math.sin(-ang) + thick / 2
            before = len(bm.faces)
            add_box(bm, (thick, d, h), (cx, -D / 2 + d / 2 + 0.03, z_top + h / 2 * math.cos(ang) + 0.005), rot_y=ang)
            for f in list(bm.faces)[before:]:
                f.material_index = 1
    link("Books", bm, spines)


if __name__ == "__main__":
    build()
