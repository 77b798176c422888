import bpy
import bmesh
import math

# Coffee mug: solidified cylinder + curve handle, subdivided for smoothness

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete(use_global=False)

# --- Materials -------------------------------------------------------------
def ceramic(name, rgb):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    p = m.node_tree.nodes["Principled BSDF"]
    p.inputs["Base Color"].default_value = (*rgb, 1)
    p.inputs["Roughness"].default_value = 0.12
    p.inputs["Coat Weight"].default_value = 0.5
    m.diffuse_color = (*rgb, 1)
    return m

blue = ceramic("BlueGlaze", (0.12, 0.25, 0.55))

# --- Body ------------------------------------------------------------------
radius = 0.041
height = 0.1
bpy.ops.mesh.primitive_cylinder_add(vertices=32, radius=radius, depth=height, location=(0, 0, height / 2))
body = bpy.context.active_object
body.name = "Mug"

# open the top by removing the top cap with bmesh
bm = bmesh.new()
bm.from_mesh(body.data)
top_faces = [f for f in bm.faces if f.normal.z > 0.9]
bmesh.ops.delete(bm, geom=top_faces, context='FACES_ONLY')
# add a couple of horizontal loops so the subdivision keeps the shape cylindrical
edges = [e for e in bm.edges if abs(e.verts[0].co.z - e.verts[1].co.z) > 1e-4]
bmesh.ops.subdivide_edges(bm, edges=edges, cuts=3, use_grid_fill=True)
bm.to_mesh(body.data)
bm.free()

solid = body.modifiers.new("Wall", 'SOLIDIFY')
solid.thickness = 0.0045
solid.offset = -1
subd = body.modifiers.new("Smooth", 'SUBSURF')
subd.levels = 2
subd.render_levels = 2
body.data.materials.append(blue)
bpy.ops.object.shade_smooth()

# --- Handle ----------------------------------------------------------------
curve = bpy.data.curves.new("HandleCurve", type='CURVE')
curve.dimensions = '3D'
spline = curve.splines.new('BEZIER')
spline.bezier_points.add(2)
pts = [(radius - 0.003, 0, 0.082), (radius + 0.033, 0, 0.055), (radius - 0.003, 0, 0.022)]
for bp, co in zip(spline.bezier_points, pts):
    bp.co = co
    bp.handle_left_type = bp.handle_right_type = 'AUTO'
curve.bevel_depth = 0.006
curve.bevel_resolution = 4
curve.resolution_u = 16
handle = bpy.data.objects.new("Handle", curve)
bpy.context.collection.objects.link(handle)
bpy.context.view_layer.objects.active = handle
bpy.ops.object.select_all(action='DESELECT')
handle.select_set(True)
bpy.ops.object.convert(target='MESH')
handle = bpy.context.active_object
handle.data.materials.append(blue)
bpy.ops.object.shade_smooth()

# Lighting for preview
bpy.ops.object.light_add(type='AREA', location=(0.3, -0.3, 0.4))
bpy.context.active_object.data.energy = 50
