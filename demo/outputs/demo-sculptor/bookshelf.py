import bpy
import bmesh
import math
import random

# Bookshelf with books - panels get a small bevel; books are individually sized.

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

random.seed(11)

def make_mat(name, rgb, rough=0.6):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    m.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (*rgb, 1)
    m.node_tree.nodes["Principled BSDF"].inputs["Roughness"].default_value = rough
    m.diffuse_color = (*rgb, 1)
    return m

wood = make_mat("WhiteOak", (0.72, 0.55, 0.36))
book_colours = [(0.6, 0.08, 0.1), (0.08, 0.2, 0.45), (0.1, 0.35, 0.2), (0.9, 0.75, 0.35),
                (0.2, 0.2, 0.22), (0.85, 0.83, 0.78), (0.45, 0.25, 0.5)]
book_mats = [make_mat(f"Cover{i}", c, 0.45) for i, c in enumerate(book_colours)]

WIDTH, DEPTH, HEIGHT, T = 0.86, 0.32, 1.85, 0.022


def panel(name, size, loc):
    bpy.ops.mesh.primitive_cube_add(size=1, location=loc)
    o = bpy.context.active_object
    o.name = name
    o.scale = size
    bpy.ops.object.transform_apply(location=False, rotation=False, scale=True)
    bev = o.modifiers.new("Bevel", 'BEVEL')
    bev.width = 0.003
    bev.segments = 2
    o.data.materials.append(wood)
    return o


panel("SideL", (T, DEPTH, HEIGHT), (-WIDTH / 2 + T / 2, 0, HEIGHT / 2))
panel("SideR", (T, DEPTH, HEIGHT), (WIDTH / 2 - T / 2, 0, HEIGHT / 2))
panel("Top", (WIDTH + 0.02, DEPTH + 0.01, T), (0, -0.005, HEIGHT + T / 2))
panel("Back", (WIDTH, 0.008, HEIGHT), (0, DEPTH / 2 - 0.004, HEIGHT / 2))
panel("Plinth", (WIDTH - 2 * T, T, 0.07), (0, -DEPTH / 2 + 0.02, 0.035))

# 5 shelves (bottom + 4 evenly spaced) using an array modifier on one board
shelf = panel("Shelves", (WIDTH - 2 * T, DEPTH - 0.01, T), (0, 0, 0.07 + T / 2))
arr = shelf.modifiers.new("Array", 'ARRAY')
arr.count = 5
arr.use_relative_offset = False
arr.use_constant_offset = True
arr.constant_offset_displace = (0, 0, (HEIGHT - 0.07) / 5)
shelf.modifiers.move(1, 0)

# Books on shelves 0..3 (random rows, occasionally a small horizontal stack)
spacing = (HEIGHT - 0.07) / 5
for s in range(4):
    z0 = 0.07 + T + s * spacing
    x = -WIDTH / 2 + T + 0.01
    x_end = WIDTH / 2 - T - random.uniform(0.05, 0.3)
    while x < x_end:
        w = random.uniform(0.018, 0.045)
        h = random.uniform(0.17, min(0.3, spacing - 0.05))
        d = random.uniform(0.16, 0.24)
        bpy.ops.mesh.primitive_cube_add(size=1, location=(x + w / 2, -DEPTH / 2 + d / 2 + 0.02, z0 + h / 2))
        b = bpy.context.active_object
        b.name = f"Book_{s}"
        b.scale = (w, d, h)
        b.data.materials.append(random.choice(book_mats))
        x += w + 0.002
    # stack of three lying books in the gap, if it is wide enough
    if WIDTH / 2 - T - x < 0.2:
        continue
    zz = z0
    cx = (x + WIDTH / 2 - T) / 2
    for k in range(3):
        t = random.uniform(0.025, 0.04)
        bpy.ops.mesh.primitive_cube_add(size=1, location=(cx, -0.02, zz + t / 2))
        b = bpy.context.active_object
        b.scale = (0.17 - 0.015 * k, 0.22, t)
        b.rotation_euler.z = math.radians(random.uniform(-6, 6))
        b.data.materials.append(random.choice(book_mats))
        zz += t

bpy.ops.object.camera_add(location=(2.5, -3, 1.5), rotation=(math.radians(80), 0, math.radians(40)))
