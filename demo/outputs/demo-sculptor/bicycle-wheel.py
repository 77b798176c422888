import bpy
import bmesh
import math
from mathutils import Vector, Matrix

# Bicycle wheel (700c): torus tyre, rim, hub, 32 spokes
# Wheel plane = XZ, axle along Y, resting on the ground.

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

R_WHEEL = 0.336
CENTER = Vector((0, 0, R_WHEEL))


def mat(name, rgb, metallic=0.0, rough=0.5):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    b = m.node_tree.nodes["Principled BSDF"]
    b.inputs["Base Color"].default_value = (*rgb, 1)
    b.inputs["Metallic"].default_value = metallic
    b.inputs["Roughness"].default_value = rough
    m.diffuse_color = (*rgb, 1)
    return m


RUBBER = mat("Rubber", (0.03, 0.03, 0.03), rough=0.9)
ALU = mat("Alu", (0.8, 0.8, 0.82), metallic=1.0, rough=0.3)
CHROME = mat("Chrome", (0.9, 0.9, 0.9), metallic=1.0, rough=0.1)

# Tyre
bpy.ops.mesh.primitive_torus_add(major_radius=R_WHEEL - 0.014, minor_radius=0.014,
                                 major_segments=96, minor_segments=12,
                                 location=CENTER, rotation=(math.pi / 2, 0, 0))
tyre = bpy.context.active_object
tyre.name = "Tyre"
tyre.data.materials.append(RUBBER)
bpy.ops.object.shade_smooth()

# Rim: a short open cylinder band, solidified inward
bpy.ops.mesh.primitive_cylinder_add(vertices=96, radius=0.31, depth=0.02, end_fill_type='NOTHING',
                                    location=CENTER, rotation=(math.pi / 2, 0, 0))
rim = bpy.context.active_object
rim.name = "Rim"
s = rim.modifiers.new("Solidify", 'SOLIDIFY')
s.thickness = 0.022
b = rim.modifiers.new("Bevel", 'BEVEL')
b.width = 0.002
rim.data.materials.append(ALU)

# Hub with flanges
bpy.ops.mesh.primitive_cylinder_add(vertices=24, radius=0.012, depth=0.1, location=CENTER,
                                    rotation=(math.pi / 2, 0, 0))
hub = bpy.context.active_object
hub.name = "Hub"
hub.data.materials.append(ALU)
for y in (-0.03, 0.03):
    bpy.ops.mesh.primitive_cylinder_add(vertices=32, radius=0.027, depth=0.004,
                                        location=CENTER + Vector((0, y, 0)), rotation=(math.pi / 2, 0, 0))
    bpy.context.active_object.name = "Flange"
    bpy.context.active_object.data.materials.append(ALU)
bpy.ops.mesh.primitive_cylinder_add(vertices=12, radius=0.0045, depth=0.15, location=CENTER,
                                    rotation=(math.pi / 2, 0, 0))
bpy.context.active_object.name = "Axle"
bpy.context.active_object.data.materials.append(CHROME)

# Spokes - built in one bmesh (tangential lacing, crossing pattern)
bm = bmesh.new()
n_spokes = 32
for i in range(n_spokes):
    side = 1 if i % 2 == 0 else -1
    hub_angle = 2 * math.pi * i / n_spokes
    rim_angle = hub_angle + side * math.radians(12)   # cross lacing
    p0 = Vector((0.025 * math.cos(hub_angle), side * 0.03, 0.025 * math.sin(hub_angle)))
    p1 = Vector((0.29 * math.cos(rim_angle), side * 0.003, 0.29 * math.sin(rim_angle)))
    d = p1 - p0
    geom = bmesh.ops.create_cone(bm, cap_ends=False, segments=4, radius1=0.001, radius2=0.001, depth=d.length)
    rot = d.to_track_quat('Z', 'Y').to_matrix().to_4x4()
    bmesh.ops.transform(bm, matrix=Matrix.Translation(CENTER + (p0 + p1) / 2) @ rot, verts=geom["verts"])
me = bpy.data.meshes.new("Spokes")
bm.to_mesh(me)
bm.free()
spokes = bpy.data.objects.new("Spokes", me)
bpy.context.collection.objects.link(spokes)
spokes.data.materials.append(CHROME)

# Valve stem
bpy.ops.mesh.primitive_cylinder_add(vertices=8, radius=0.003, depth=0.03,
                                    location=CENTER + Vector((0, 0, -0.29)))
bpy.context.active_object.data.materials.append(CHROME)

bpy.ops.object.camera_add(location=(1.2, -1.5, 0.6), rotation=(math.radians(80), 0, math.radians(40)))
bpy.ops.object.light_add(type='SUN', location=(0, -2, 3))
