import bpy
import bmesh
import math

# Stone arch bridge: voussoir ring built with a loop, spandrel walls via a boolean,
# deck, approach ramps and parapets with bevelled capstones.

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()


def stone_mat(name, rgb):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    m.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (*rgb, 1)
    m.node_tree.nodes["Principled BSDF"].inputs["Roughness"].default_value = 0.95
    m.diffuse_color = (*rgb, 1)
    return m


GREY = stone_mat("Granite", (0.55, 0.54, 0.5))
DARK = stone_mat("ArchStone", (0.42, 0.4, 0.37))
LIGHT = stone_mat("Capstone", (0.66, 0.64, 0.6))

SPAN_R = 3.0
WIDTH = 3.2

# Spandrel block with the arch cut out (boolean difference with a cylinder)
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 1.6))
wall = bpy.context.active_object
wall.name = "Spandrel"
wall.scale = (7.4, WIDTH, 4.2)
bpy.ops.object.transform_apply(location=False, rotation=False, scale=True)
wall.location.z = 3.7 - 2.1

bpy.ops.mesh.primitive_cylinder_add(vertices=48, radius=SPAN_R, depth=WIDTH + 1, location=(0, 0, 0),
                                    rotation=(math.pi / 2, 0, 0))
cutter = bpy.context.active_object
cutter.name = "ArchCutter"
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, -1.0))
cutter2 = bpy.context.active_object
cutter2.scale = (2 * SPAN_R, WIDTH + 1, 2.0)

for c in (cutter, cutter2):
    mod = wall.modifiers.new("Cut_" + c.name, 'BOOLEAN')
    mod.operation = 'DIFFERENCE'
    mod.object = c
    mod.solver = 'EXACT'
bpy.context.view_layer.objects.active = wall
for m in list(wall.modifiers):
    bpy.ops.object.modifier_apply(modifier=m.name)
bpy.data.objects.remove(cutter, do_unlink=True)
bpy.data.objects.remove(cutter2, do_unlink=True)
wall.data.materials.append(GREY)

# Voussoirs
n = 19
for i in range(n):
    a = math.pi * (i + 0.5) / n
    r_mid = SPAN_R + 0.25
    bpy.ops.mesh.primitive_cube_add(size=1, location=(-r_mid * math.cos(a), 0, r_mid * math.sin(a)))
    v = bpy.context.active_object
    v.name = f"Voussoir_{i:02d}"
    v.scale = (0.5, WIDTH + 0.08, 2 * math.pi * r_mid / n * 0.95)
    v.rotation_euler.y = -(math.pi / 2 - a) + math.pi / 2
    v.rotation_euler.y = a - math.pi / 2
    bev = v.modifiers.new("Bevel", 'BEVEL')
    bev.width = 0.03
    v.data.materials.append(DARK)

# Approach ramps (wedges) on both sides
for side in (-1, 1):
    bm = bmesh.new()
    x0, x1 = side * 3.7, side * 6.2
    pts = [(x0, -0.5), (x1, -0.5), (x1, 2.9), (x0, 3.7)]
    front = [bm.verts.new((x, -WIDTH / 2, z)) for x, z in pts]
    back = [bm.verts.new((x, WIDTH / 2, z)) for x, z in pts]
    bm.faces.new(front)
    bm.faces.new(back[::-1])
    for k in range(4):
        j = (k + 1) % 4
        bm.faces.new((front[k], front[j], back[j], back[k]))
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
    me = bpy.data.meshes.new("Ramp")
    bm.to_mesh(me)
    bm.free()
    ramp = bpy.data.objects.new("Ramp", me)
    bpy.context.collection.objects.link(ramp)
    me.materials.append(GREY)

# Parapets: level part over the arch + sloping parts over the ramps
slope = math.atan2(0.8, 2.5)
for y in (-WIDTH / 2 + 0.15, WIDTH / 2 - 0.15):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(0, y, 3.7 + 0.45))
    p = bpy.context.active_object
    p.scale = (7.4, 0.3, 0.9)
    p.data.materials.append(GREY)
    bpy.ops.mesh.primitive_cube_add(size=1, location=(0, y, 3.7 + 0.96))
    c = bpy.context.active_object
    c.scale = (7.5, 0.4, 0.12)
    c.modifiers.new("Bevel", 'BEVEL').width = 0.02
    c.data.materials.append(LIGHT)
    for side in (-1, 1):
        length = math.hypot(2.5, 0.8)
        bpy.ops.mesh.primitive_cube_add(size=1, location=(side * 4.95, y, 3.3 + 0.45))
        p = bpy.context.active_object
        p.scale = (length, 0.3, 0.9)
        p.rotation_euler.y = side * slope
        p.data.materials.append(GREY)
        bpy.ops.mesh.primitive_cube_add(size=1, location=(side * 4.95, y, 3.3 + 0.96))
        c = bpy.context.active_object
        c.scale = (length, 0.4, 0.12)
        c.rotation_euler.y = side * slope
        c.data.materials.append(LIGHT)

bpy.ops.object.camera_add(location=(12, -14, 6), rotation=(math.radians(72), 0, math.radians(40)))
bpy.ops.object.light_add(type='SUN', location=(0, 0, 20))
