import bpy
import bmesh
import math

# =====================================================
#  Cottage with gable roof, chimney, door and windows
# =====================================================

for obj in list(bpy.data.objects):
    bpy.data.objects.remove(obj, do_unlink=True)


def material(name, rgba):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    m.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = rgba
    m.diffuse_color = rgba
    return m


M_WALL = material("Whitewash", (0.93, 0.9, 0.82, 1))
M_ROOF = material("Slate", (0.22, 0.24, 0.28, 1))
M_WOOD = material("PaintedWood", (0.15, 0.3, 0.2, 1))
M_GLASS = material("Glass", (0.2, 0.3, 0.4, 1))
M_STONE = material("Stone", (0.45, 0.43, 0.4, 1))

W, D, H = 6.5, 4.8, 2.6     # footprint and eave height
RIDGE = 4.3


def cube(name, size, loc, mat, bevel=0.0):
    bpy.ops.mesh.primitive_cube_add(size=1, location=loc)
    o = bpy.context.active_object
    o.name = name
    o.scale = size
    bpy.ops.object.transform_apply(location=False, rotation=False, scale=True)
    if bevel:
        b = o.modifiers.new("Bevel", 'BEVEL')
        b.width = bevel
        b.segments = 2
    o.data.materials.append(mat)
    return o


# walls: cube, then pull the top edge centre up to make gables (bmesh)
walls = cube("Walls", (W, D, H), (0, 0, H / 2), M_WALL)
bm = bmesh.new()
bm.from_mesh(walls.data)
top = [f for f in bm.faces if f.normal.z > 0.9][0]
ret = bmesh.ops.subdivide_edges(bm, edges=[e for e in top.edges if abs(e.verts[0].co.x - e.verts[1].co.x) < 1e-4],
                                cuts=1, use_grid_fill=True)
for v in bm.verts:
    if abs(v.co.y) < 1e-4 and v.co.z > H / 2 - 1e-4:
        v.co.z += RIDGE - H
bm.to_mesh(walls.data)
bm.free()

# foundation
cube("Foundation", (W + 0.2, D + 0.2, 0.3), (0, 0, 0.1), M_STONE, bevel=0.02)

# roof: two planes given thickness with solidify
pitch = math.atan2(RIDGE - H, D / 2)
run = math.hypot(D / 2, RIDGE - H) + 0.45
for side in (-1, 1):
    bpy.ops.mesh.primitive_plane_add(size=1)
    r = bpy.context.active_object
    r.name = f"Roof_{'front' if side < 0 else 'back'}"
    r.scale = (W + 0.6, run, 1)
    r.rotation_euler.x = -side * pitch
    r.location = (0, side * (run / 2 - 0.02) * math.cos(pitch), RIDGE + 0.05 - (run / 2) * math.sin(pitch))
    s = r.modifiers.new("Thick", 'SOLIDIFY')
    s.thickness = 0.12
    r.data.materials.append(M_ROOF)

# chimney
cube("Chimney", (0.55, 0.55, 2.0), (-1.8, 0.9, RIDGE - 0.1), M_STONE, bevel=0.02)

# door
cube("Door", (0.95, 0.08, 2.0), (0.6, -D / 2 - 0.02, 1.0), M_WOOD, bevel=0.015)
cube("DoorStep", (1.3, 0.45, 0.18), (0.6, -D / 2 - 0.22, 0.09), M_STONE, bevel=0.02)

# windows: one frame + glass, repeated with an array modifier (local X offset)
for y, x0, rot in ((-D / 2 - 0.03, -2.4, 0.0), (D / 2 + 0.03, 2.2, math.pi)):
    frame = cube("WindowFrames", (0.9, 0.08, 1.0), (x0, y, 1.5), M_WOOD, bevel=0.01)
    frame.rotation_euler.z = rot
    arr = frame.modifiers.new("Array", 'ARRAY')
    arr.count = 2
    arr.relative_offset_displace = (4.6 / 0.9, 0, 0)
    glass = cube("WindowGlass", (0.7, 0.1, 0.8), (x0, y, 1.5), M_GLASS)
    glass.rotation_euler.z = rot
    arr = glass.modifiers.new("Array", 'ARRAY')
    arr.count = 2
    arr.relative_offset_displace = (4.6 / 0.7, 0, 0)

# gable windows
for x in (-W / 2 - 0.03, W / 2 + 0.03):
    cube("GableFrame", (0.08, 0.8, 0.8), (x, 0, 2.1), M_WOOD, bevel=0.01)
    cube("GableGlass", (0.1, 0.6, 0.6), (x, 0, 2.1), M_GLASS)

bpy.ops.object.light_add(type='SUN', location=(5, -5, 10))
bpy.ops.object.camera_add(location=(12, -12, 7), rotation=(math.radians(65), 0, math.radians(45)))
