import bpy
import bmesh
import math
from mathutils import Matrix

# Lighthouse: tapered striped tower, gallery with railing (array around an empty),
# glazed lantern (wireframe mullions) and dome.

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()


def make_mat(name, rgba, rough=0.5):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    b = m.node_tree.nodes["Principled BSDF"]
    b.inputs["Base Color"].default_value = rgba
    b.inputs["Roughness"].default_value = rough
    m.diffuse_color = rgba
    return m


WHITE = make_mat("White", (0.95, 0.95, 0.92, 1))
RED = make_mat("Red", (0.75, 0.05, 0.05, 1))
BLACK = make_mat("Iron", (0.05, 0.05, 0.06, 1), 0.3)
GLASS = make_mat("Glass", (0.6, 0.8, 0.85, 1), 0.0)
ROCK = make_mat("Rock", (0.4, 0.38, 0.36, 1), 0.9)

TOWER_H = 12.0
R0, R1 = 1.9, 1.15

# rock base
bpy.ops.mesh.primitive_cylinder_add(vertices=10, radius=2.8, depth=1.0, location=(0, 0, 0.5))
base = bpy.context.active_object
base.name = "Base"
b = base.modifiers.new("Bevel", 'BEVEL')
b.width = 0.12
b.segments = 2
base.data.materials.append(ROCK)

# tower: cone with loop cuts, stripes by material index per face height
bpy.ops.mesh.primitive_cone_add(vertices=40, radius1=R0, radius2=R1, depth=TOWER_H,
                                location=(0, 0, 1.0 + TOWER_H / 2))
tower = bpy.context.active_object
tower.name = "Tower"
tower.data.materials.append(WHITE)
tower.data.materials.append(RED)
bm = bmesh.new()
bm.from_mesh(tower.data)
vertical = [e for e in bm.edges if abs(e.verts[0].co.z - e.verts[1].co.z) > 1.0]
bmesh.ops.subdivide_edges(bm, edges=vertical, cuts=7, use_grid_fill=True)
for f in bm.faces:
    zc = f.calc_center_median().z + TOWER_H / 2
    f.material_index = int(zc / (TOWER_H / 4)) % 2 if abs(f.normal.z) < 0.9 else 0
bm.to_mesh(tower.data)
bm.free()
bpy.ops.object.shade_smooth()

top_z = 1.0 + TOWER_H

# gallery deck
bpy.ops.mesh.primitive_cylinder_add(vertices=40, radius=1.8, depth=0.25, location=(0, 0, top_z + 0.125))
deck = bpy.context.active_object
deck.name = "Gallery"
deck.data.materials.append(BLACK)

# railing posts: array with object offset around an empty (both at the axis)
bpy.ops.object.empty_add(location=(0, 0, top_z + 0.75))
pivot = bpy.context.active_object
pivot.name = "RailPivot"
pivot.rotation_euler.z = math.radians(360 / 20)
bpy.ops.mesh.primitive_cylinder_add(vertices=8, radius=0.035, depth=1.0, location=(0, 0, top_z + 0.75))
post = bpy.context.active_object
post.name = "RailPosts"
post.data.transform(Matrix.Translation((1.7, 0, 0)))   # move the mesh off-axis, keep the origin centred
arr = post.modifiers.new("Radial", 'ARRAY')
arr.count = 20
arr.use_relative_offset = False
arr.use_object_offset = True
arr.offset_object = pivot
post.data.materials.append(BLACK)

bpy.ops.mesh.primitive_torus_add(major_radius=1.7, minor_radius=0.035, major_segments=48,
                                 minor_segments=8, location=(0, 0, top_z + 1.25))
bpy.context.active_object.name = "HandRail"
bpy.context.active_object.data.materials.append(BLACK)

# lantern: glass cylinder + wireframe copy for the mullions
bpy.ops.mesh.primitive_cylinder_add(vertices=10, radius=0.95, depth=1.8, location=(0, 0, top_z + 1.15))
glass = bpy.context.active_object
glass.name = "LanternGlass"
glass.data.materials.append(GLASS)
bpy.ops.mesh.primitive_cylinder_add(vertices=10, radius=0.97, depth=1.8, location=(0, 0, top_z + 1.15))
frame = bpy.context.active_object
frame.name = "LanternFrame"
wf = frame.modifiers.new("Wire", 'WIREFRAME')
wf.thickness = 0.06
frame.data.materials.append(BLACK)

# dome roof: half sphere
bpy.ops.mesh.primitive_uv_sphere_add(segments=32, ring_count=16, radius=1.1, location=(0, 0, top_z + 2.05))
dome = bpy.context.active_object
dome.name = "Dome"
bm = bmesh.new()
bm.from_mesh(dome.data)
bmesh.ops.delete(bm, geom=[v for v in bm.verts if v.co.z < -1e-4], context='VERTS')
bm.to_mesh(dome.data)
bm.free()
dome.scale.z = 0.8
dome.modifiers.new("Solid", 'SOLIDIFY').thickness = 0.05
dome.data.materials.append(RED)
bpy.ops.object.shade_smooth()

bpy.ops.mesh.primitive_uv_sphere_add(segments=12, ring_count=6, radius=0.18, location=(0, 0, top_z + 3.0))
bpy.context.active_object.data.materials.append(BLACK)

# door
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, -R0 + 0.05, 2.0))
door = bpy.context.active_object
door.scale = (0.9, 0.3, 2.0)
door.data.materials.append(BLACK)

bpy.ops.object.light_add(type='SUN', location=(10, -10, 20))
