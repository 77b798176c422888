import bpy
import bmesh
import math
from mathutils import Vector

# Teapot: body from a subdivided sphere, curve-based spout & handle (converted to meshes)

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

glaze = bpy.data.materials.new("TealGlaze")
glaze.use_nodes = True
glaze.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (0.18, 0.4, 0.43, 1)
glaze.node_tree.nodes["Principled BSDF"].inputs["Roughness"].default_value = 0.15
glaze.diffuse_color = (0.18, 0.4, 0.43, 1)


def finish(obj, smooth=True):
    obj.data.materials.append(glaze)
    if smooth:
        bpy.ops.object.shade_smooth()
    return obj


# Body: UV sphere, squashed, bottom flattened with bmesh, top opened
bpy.ops.mesh.primitive_uv_sphere_add(segments=48, ring_count=24, radius=0.1, location=(0, 0, 0))
body = bpy.context.active_object
body.name = "Body"
body.scale.z = 0.68
bpy.ops.object.transform_apply(scale=True)
bm = bmesh.new()
bm.from_mesh(body.data)
for v in bm.verts:
    if v.co.z < -0.055:
        v.co.z = -0.055
bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=1e-5)
bmesh.ops.delete(bm, geom=[f for f in bm.faces if f.calc_center_median().z > 0.058], context='FACES')
bm.to_mesh(body.data)
bm.free()
body.location.z = 0.055
body.modifiers.new("Solidify", 'SOLIDIFY').thickness = 0.004
finish(body)

# Lid: a flattened hemisphere with a knob
bpy.ops.mesh.primitive_uv_sphere_add(segments=32, ring_count=16, radius=0.052, location=(0, 0, 0.108))
lid = bpy.context.active_object
lid.name = "Lid"
lid.scale.z = 0.35
finish(lid)
bpy.ops.mesh.primitive_uv_sphere_add(segments=16, ring_count=8, radius=0.013, location=(0, 0, 0.133))
finish(bpy.context.active_object).name = "Knob"


def tube_from_curve(name, pts, radius, taper=None):
    cu = bpy.data.curves.new(name, 'CURVE')
    cu.dimensions = '3D'
    sp = cu.splines.new('BEZIER')
    sp.bezier_points.add(len(pts) - 1)
    for bp, co in zip(sp.bezier_points, pts):
        bp.co = co
        bp.handle_left_type = bp.handle_right_type = 'AUTO'
    if taper:
        for bp, r in zip(sp.bezier_points, taper):
            bp.radius = r
    cu.bevel_depth = radius
    cu.bevel_resolution = 4
    cu.use_fill_caps = True
    ob = bpy.data.objects.new(name, cu)
    bpy.context.collection.objects.link(ob)
    bpy.ops.object.select_all(action='DESELECT')
    ob.select_set(True)
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.convert(target='MESH')
    return finish(bpy.context.active_object)


tube_from_curve("Spout", [(-0.075, 0, 0.04), (-0.125, 0, 0.075), (-0.165, 0, 0.13)], 0.018,
                taper=[1.0, 0.7, 0.45])
tube_from_curve("Handle", [(0.08, 0, 0.1), (0.145, 0, 0.09), (0.14, 0, 0.035), (0.085, 0, 0.03)], 0.008)

bpy.ops.object.light_add(type='AREA', location=(0.3, -0.4, 0.5))
