"""Reference script (demo corpus) - wooden dining chair.

Four square legs, a 45 x 45 cm seat at 45 cm, rear legs rising to 95 cm as
backrest posts, three back slats and four low stretchers. Z-up, metres.
"""
import bpy
import bmesh

SEAT_W = 0.45      # seat width (x)
SEAT_D = 0.45      # seat depth (y)
SEAT_H = 0.45      # top of the seat above the floor
SEAT_T = 0.03      # seat board thickness
LEG = 0.04         # square leg section
BACK_H = 0.95      # top of the rear posts


def wood(name, rgb):
    mat = bpy.data.materials.get(name) or bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = 0.6
    return mat


def box(name, size, center, mat):
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=1.0)
    bmesh.ops.scale(bm, vec=size, verts=bm.verts)
    bmesh.ops.translate(bm, vec=center, verts=bm.verts)
    # a 3 mm chamfer keeps the edges from looking razor sharp
    bmesh.ops.bevel(bm, geom=list(bm.edges), offset=min(0.003, min(size) * 0.2),
                    segments=1, affect='EDGES', profile=0.5)
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    me.materials.append(mat)
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def build():
    oak = wood("Oak", (0.55, 0.36, 0.2))
    dark = wood("OakDark", (0.42, 0.26, 0.14))
    hx = SEAT_W / 2 - LEG / 2
    hy = SEAT_D / 2 - LEG / 2
    leg_h = SEAT_H - SEAT_T

    # front legs stop under the seat, rear legs continue up as back posts
    for sx in (-1, 1):
        box(f"LegFront{'LR'[sx > 0]}", (LEG, LEG, leg_h), (sx * hx, -hy, leg_h / 2), dark)
        box(f"PostRear{'LR'[sx > 0]}", (LEG, LEG, BACK_H), (sx * hx, hy, BACK_H / 2), dark)

    # seat board with a small overhang at the front and sides
    box("Seat", (SEAT_W + 0.02, SEAT_D + 0.01, SEAT_T), (0, -0.005, SEAT_H - SEAT_T / 2), oak)

    # apron under the seat
    apron_h = 0.07
    z_apron = leg_h - apron_h / 2
    box("ApronFront", (SEAT_W - 2 * LEG, 0.02, apron_h), (0, -hy, z_apron), dark)
    box("ApronBack", (SEAT_W - 2 * LEG, 0.02, apron_h), (0, hy, z_apron), dark)
    for sx in (-1, 1):
        box(f"ApronSide{'LR'[sx > 0]}", (0.02, SEAT_D - 2 * LEG, apron_h), (sx * hx, 0, z_apron), dark)

    # stretchers 15 cm above the floor
    for sx in (-1, 1):
        box(f"StretcherSide{'LR'[sx > 0]}", (0.022, SEAT_D - 2 * LEG, 0.022), (sx * hx, 0, 0.15), dark)
    box("StretcherMid", (SEAT_W - 2 * LEG, 0.022, 0.022), (0, 0, 0.15), dark)

    # backrest: three horizontal slats, the top one wider
    for i, z in enumerate((0.62, 0.74, 0.87)):
        h = 0.09 if i == 2 else 0.05
        box(f"BackSlat{i}", (SEAT_W - 2 * LEG, 0.018, h), (0, hy, z), oak)


if __name__ == "__main__":
    build()
