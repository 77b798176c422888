import bpy
import bmesh
import math
from mathutils import Vector

# Spiral staircase: column, 16 treads (one built with bmesh, then duplicated with
# rotation + rise), balusters, helical handrail made from a curve.

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()


def material(name, rgb, metallic=0.0):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    b = m.node_tree.nodes["Principled BSDF"]
    b.inputs["Base Color"].default_value = (*rgb, 1)
    b.inputs["Metallic"].default_value = metallic
    m.diffuse_color = (*rgb, 1)
    return m


STEEL = material("BlackSteel", (0.08, 0.08, 0.09), metallic=0.8)
WOOD = material("Walnut", (0.45, 0.3, 0.18))

N = 16
RISE = 0.18
ANGLE = math.radians(360 / N)
OUTER = 1.0

# Column
bpy.ops.mesh.primitive_cylinder_add(vertices=32, radius=0.1, depth=3.25, location=(0, 0, 1.625))
col = bpy.context.active_object
col.name = "Column"
col.data.materials.append(STEEL)
bpy.ops.object.shade_smooth()
bpy.ops.mesh.primitive_uv_sphere_add(segments=16, ring_count=8, radius=0.12, location=(0, 0, 3.27))
bpy.context.active_object.data.materials.append(STEEL)

# One tread mesh: a fan sector with a rounded nose, bevelled
bm = bmesh.new()
arc = 8
verts_top = [bm.verts.new((0, 0, 0))]
for k in range(arc + 1):
    a = -ANGLE / 2 + (ANGLE + math.radians(3)) * k / arc
    verts_top.append(bm.verts.new((OUTER * math.cos(a), OUTER * math.sin(a), 0)))
face = bm.faces.new(verts_top)
ext = bmesh.ops.extrude_face_region(bm, geom=[face])
bmesh.ops.translate(bm, vec=(0, 0, -0.035), verts=[v for v in ext["geom"] if isinstance(v, bmesh.types.BMVert)])
bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
tread_mesh = bpy.data.meshes.new("Tread")
bm.to_mesh(tread_mesh)
bm.free()
tread_mesh.materials.append(WOOD)

for i in range(N):
    ob = bpy.data.objects.new(f"Tread_{i:02d}", tread_mesh)   # linked duplicates
    bpy.context.collection.objects.link(ob)
    ob.location = (0, 0, (i + 1) * RISE)
    ob.rotation_euler.z = -math.pi / 2 + i * ANGLE
    bev = ob.modifiers.new("Bevel", 'BEVEL')
    bev.width = 0.006
    bev.segments = 2

    # baluster on the outer edge
    a = -math.pi / 2 + i * ANGLE
    bpy.ops.mesh.primitive_cylinder_add(vertices=8, radius=0.01, depth=0.9,
                                        location=(0.94 * math.cos(a), 0.94 * math.sin(a), (i + 1) * RISE + 0.45))
    bal = bpy.context.active_object
    bal.name = f"Baluster_{i:02d}"
    bal.data.materials.append(STEEL)

# Landing
bpy.ops.mesh.primitive_cylinder_add(vertices=32, radius=OUTER, depth=0.04, location=(0, 0, (N + 1) * RISE - 0.02))
landing = bpy.context.active_object
landing.name = "Landing"
bm = bmesh.new()
bm.from_mesh(landing.data)
# keep a quarter: remove vertices outside the landing quadrant
start = -math.pi / 2 + (N - 0.5) * ANGLE
for v in list(bm.verts):
    if v.co.xy.length < 1e-6:
        continue
    ang = (math.atan2(v.co.y, v.co.x) - start) % (2 * math.pi)
    if ang > math.pi / 2 + 0.01:
        bm.verts.remove(v)
bm.to_mesh(landing.data)
bm.free()
landing.data.materials.append(WOOD)

# Handrail - helix as a poly curve with bevel, converted to mesh
cu = bpy.data.curves.new("Rail", 'CURVE')
cu.dimensions = '3D'
cu.bevel_depth = 0.022
cu.bevel_resolution = 3
sp = cu.splines.new('POLY')
pts = 120
sp.points.add(pts - 1)
for k in range(pts):
    s = -0.5 + (N - 0.5) * k / (pts - 1)
    a = -math.pi / 2 + s * ANGLE
    sp.points[k].co = (0.94 * math.cos(a), 0.94 * math.sin(a), (s + 1) * RISE + 0.9, 1)
rail = bpy.data.objects.new("Handrail", cu)
bpy.context.collection.objects.link(rail)
bpy.ops.object.select_all(action='DESELECT')
rail.select_set(True)
bpy.context.view_layer.objects.active = rail
bpy.ops.object.convert(target='MESH')
bpy.context.active_object.data.materials.append(STEEL)

bpy.ops.object.light_add(type='AREA', location=(3, -3, 5))
