import bpy
import bmesh
import math

# Saguaro cactus with fluted trunk and two bent arms (curves -> mesh)

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

green = bpy.data.materials.new("SaguaroGreen")
green.use_nodes = True
green.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (0.16, 0.38, 0.14, 1)
green.diffuse_color = (0.16, 0.38, 0.14, 1)
sand = bpy.data.materials.new("Sand")
sand.diffuse_color = (0.8, 0.7, 0.5, 1)

RIBS = 14


def flute(obj, depth=0.08):
    """Push every other vertex ring-wise inward to create vertical ribs."""
    bm = bmesh.new()
    bm.from_mesh(obj.data)
    for v in bm.verts:
        r = math.hypot(v.co.x, v.co.y)
        if r < 1e-6:
            continue
        a = math.atan2(v.co.y, v.co.x)
        k = 1.0 - depth * (0.5 - 0.5 * math.cos(RIBS * a))
        v.co.x *= k
        v.co.y *= k
    bm.to_mesh(obj.data)
    bm.free()


# Trunk: tall cylinder + hemisphere top
bpy.ops.mesh.primitive_cylinder_add(vertices=RIBS * 2, radius=0.17, depth=1.55, location=(0, 0, 0.775))
trunk = bpy.context.active_object
trunk.name = "Trunk"
bm = bmesh.new()
bm.from_mesh(trunk.data)
side = [e for e in bm.edges if abs(e.verts[0].co.z - e.verts[1].co.z) > 0.1]
bmesh.ops.subdivide_edges(bm, edges=side, cuts=6, use_grid_fill=True)
# dome the top cap
for v in bm.verts:
    if v.co.z > 0.77:
        v.co.z += 0.17 * math.sqrt(max(0.0, 1 - (math.hypot(v.co.x, v.co.y) / 0.17) ** 2))
bm.to_mesh(trunk.data)
bm.free()
flute(trunk)
trunk.modifiers.new("Subsurf", 'SUBSURF').levels = 2
trunk.data.materials.append(green)
bpy.ops.object.shade_smooth()


def arm(points, radius, name):
    cu = bpy.data.curves.new(name, 'CURVE')
    cu.dimensions = '3D'
    sp = cu.splines.new('POLY')
    sp.points.add(len(points) - 1)
    for p, co in zip(sp.points, points):
        p.co = (*co, 1)
    sp.use_smooth = True
    cu.bevel_depth = radius
    cu.bevel_resolution = 6
    cu.use_fill_caps = True
    ob = bpy.data.objects.new(name, cu)
    bpy.context.collection.objects.link(ob)
    bpy.ops.object.select_all(action='DESELECT')
    ob.select_set(True)
    bpy.context.view_layer.objects.active = ob
    bpy.ops.object.convert(target='MESH')
    ob = bpy.context.active_object
    ob.modifiers.new("Smooth", 'SUBSURF').levels = 1
    ob.data.materials.append(green)
    bpy.ops.object.shade_smooth()
    # round tip
    tip = points[-1]
    bpy.ops.mesh.primitive_uv_sphere_add(segments=24, ring_count=12, radius=radius, location=tip)
    bpy.context.active_object.data.materials.append(green)
    bpy.ops.object.shade_smooth()
    return ob


arm([(0.0, 0, 0.75), (-0.2, 0, 0.75), (-0.3, 0, 0.8), (-0.33, 0, 0.9), (-0.33, 0, 1.25)], 0.09, "ArmLeft")
arm([(0.0, 0, 1.0), (0.17, 0, 1.0), (0.26, 0, 1.06), (0.28, 0, 1.15), (0.28, 0, 1.42)], 0.08, "ArmRight")

# Sand mound
bpy.ops.mesh.primitive_uv_sphere_add(segments=32, ring_count=16, radius=0.45, location=(0, 0, -0.02))
mound = bpy.context.active_object
mound.name = "Mound"
mound.scale.z = 0.12
mound.data.materials.append(sand)
bpy.ops.object.shade_smooth()

bpy.ops.object.camera_add(location=(3, -3, 1.5))
