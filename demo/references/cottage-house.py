"""Reference script (demo corpus) - small gabled cottage.

A 7 x 5 m single-storey cottage: 2.7 m walls on a stone plinth, a 36 degree
gable roof with 40 cm overhangs, a front door with a step, framed windows on
all sides and a brick chimney. Z-up, metres; the front faces -Y.
"""
import math

import bpy
import bmesh
from mathutils import Matrix, Vector

LEN_X = 7.0
DEP_Y = 5.0
WALL_H = 2.7
RIDGE_H = 4.5
ROOF_T = 0.14
OVERHANG = 0.4


def colour(name, rgb, rough=0.7):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = rough
    return mat


def link(name, bm, mat):
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    me.materials.append(mat)
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def box(name, size, center, mat, rot_x=0.0, rot_z=0.0):
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=1.0)
    bmesh.ops.scale(bm, vec=size, verts=bm.verts)
    rot = Matrix.Rotation(rot_z, 3, "Z") @ Matrix.Rotation(rot_x, 3, "X")
    bmesh.ops.rotate(bm, cent=(0, 0, 0), matrix=rot, verts=bm.verts)
    bmesh.ops.translate(bm, vec=center, verts=bm.verts)
    return link(name, bm, mat)


def window(tag, x, y, z, w, h, rot_z, frame_mat, glass_mat):
    """Window centred at (x, y, z) on a wall whose outward normal is -Y rotated by rot_z."""
    rot = Matrix.Rotation(rot_z, 3, "Z")

    def place(name, size, local):
        c = rot @ Vector(local)
        box(name, size, (x + c.x, y + c.y, z + c.z), frame_mat if "Glass" not in name else glass_mat,
            rot_z=rot_z)

    place(f"Glass{tag}", (w, 0.04, h), (0, -0.01, 0))
    fw = 0.08
    place(f"FrameTop{tag}", (w + 2 * fw, 0.1, fw), (0, -0.04, h / 2 + fw / 2))
    place(f"Sill{tag}", (w + 3 * fw, 0.16, fw), (0, -0.07, -h / 2 - fw / 2))
    place(f"FrameL{tag}", (fw, 0.1, h), (-w / 2 - fw / 2, -0.04, 0))
    place(f"FrameR{tag}", (fw, 0.1, h), (w / 2 + fw / 2, -0.04, 0))
    place(f"MullionV{tag}", (0.05, 0.06, h), (0, -0.03, 0))
    place(f"MullionH{tag}", (w, 0.06, 0.05), (0, -0.03, 0))


def build():
    plaster = colour("Plaster", (0.9, 0.86, 0.76))
    stone = colour("Stone", (0.5, 0.49, 0.46), 0.9)
    tiles = colour("RoofTiles", (0.45, 0.16, 0.1))
    wood = colour("DoorWood", (0.35, 0.2, 0.1))
    trim = colour("Trim", (0.95, 0.95, 0.93), 0.4)
    glass = colour("Glass", (0.12, 0.18, 0.25), 0.05)
    brick = colour("Brick", (0.55, 0.25, 0.18), 0.9)

    # plinth
    box("Plinth", (LEN_X + 0.16, DEP_Y + 0.16, 0.35), (0, 0, 0.175), stone)

    # walls + gables: a pentagonal prism along X
    bm = bmesh.new()
    hy = DEP_Y / 2
    outline = [(-hy, 0.0), (hy, 0.0), (hy, WALL_H), (0.0, RIDGE_H), (-hy, WALL_H)]
    left = [bm.verts.new((-LEN_X / 2, y, z)) for y, z in outline]
    right = [bm.verts.new((LEN_X / 2, y, z)) for y, z in outline]
    bm.faces.new(list(reversed(left)))
    bm.faces.new(right)
    for i in range(5):
        j = (i + 1) % 5
        bm.faces.new((left[i], left[j], right[j], right[i]))
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
    link("Walls", bm, plaster)

    # roof: two slabs meeting at the ridge
    run, rise = hy, RIDGE_H - WALL_H
    slope = math.hypot(run, rise)
    pitch = math.atan2(rise, run)
    length = slope + OVERHANG + ROOF_T
    for side in (-1, 1):
        d_y, d_z = side * run / slope, -rise / slope           # down the slope
        n_y, n_z = side * rise / slope, run / slope            # outward normal
        s0 = -ROOF_T                                           # start a little past the ridge
        mid = s0 + length / 2
        c = (0.0, d_y * mid + n_y * ROOF_T / 2, RIDGE_H + d_z * mid + n_z * ROOF_T / 2)
        box(f"Roof{'FB'[side > 0]}", (LEN_X + 2 * OVERHANG, length, ROOF_T), c, tiles,
            rot_x=-side * pitch)
    box("RidgeCap", (LEN_X + 2 * OVERHANG, 0.22, 0.12), (0, 0, RIDGE_H + ROOF_T + 0.02), tiles)

    # chimney through the back slope
    box("Chimney", (0.6, 0.6, 2.4), (2.1, 1.0, RIDGE_H - 0.1), brick)
    box("ChimneyCap", (0.75, 0.75, 0.1), (2.1, 1.0, RIDGE_H + 1.15), stone)

    # front door with frame and step
    box("Door", (1.0, 0.06, 2.05), (0, -hy - 0.02, 1.05 + 0.35 - 0.35), wood)
    box("DoorFrameL", (0.1, 0.1, 2.15), (-0.55, -hy - 0.04, 1.075), trim)
    box("DoorFrameR", (0.1, 0.1, 2.15), (0.55, -hy - 0.04, 1.075), trim)
    box("DoorFrameTop", (1.2, 0.1, 0.1), (0, -hy - 0.04, 2.15), trim)
    box("Step", (1.5, 0.5, 0.2), (0, -hy - 0.25, 0.1), stone)
    box("DoorKnob", (0.06, 0.06, 0.06), (0.35, -hy - 0.07, 1.0), trim)

    # windows: two front, two back, one in each gable end
    for i, x in enumerate((-2.2, 2.2)):
        window(f"F{i}", x, -hy, 1.55, 1.0, 1.1, 0.0, trim, glass)
        window(f"B{i}", x, hy, 1.55, 1.0, 1.1, math.pi, trim, glass)
    window("E", LEN_X / 2, 0, 1.55, 1.0, 1.1, math.pi / 2, trim, glass)
    window("W", -LEN_X / 2, 0, 1.55, 1.0, 1.1, -math.pi / 2, trim, glass)


if __name__ == "__main__":
    build()
