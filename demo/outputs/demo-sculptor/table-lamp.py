import bpy
import bmesh
import math

# Table lamp: bevelled brass base, tube stem (curve -> mesh), fabric drum shade (solidify)

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()


def principled(name, color, metallic=0.0, roughness=0.5):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*color, 1)
    bsdf.inputs["Metallic"].default_value = metallic
    bsdf.inputs["Roughness"].default_value = roughness
    mat.diffuse_color = (*color, 1)
    return mat


brass = principled("Brass", (0.8, 0.62, 0.3), metallic=1.0, roughness=0.25)
linen = principled("Linen", (0.95, 0.92, 0.84), roughness=0.95)
bulb_mat = principled("Bulb", (1.0, 0.98, 0.9), roughness=0.05)
bulb_mat.node_tree.nodes["Principled BSDF"].inputs["Emission Strength"].default_value = 2.0

# Base: cylinder with bevel for a rounded top edge
bpy.ops.mesh.primitive_cylinder_add(vertices=64, radius=0.085, depth=0.028, location=(0, 0, 0.014))
base = bpy.context.active_object
base.name = "Base"
bev = base.modifiers.new("Bevel", 'BEVEL')
bev.width = 0.01
bev.segments = 4
bev.limit_method = 'ANGLE'
base.data.materials.append(brass)
bpy.ops.object.shade_smooth()

# Stem: a poly curve with bevel depth, converted to mesh
curve_data = bpy.data.curves.new("StemCurve", 'CURVE')
curve_data.dimensions = '3D'
curve_data.bevel_depth = 0.0065
curve_data.bevel_resolution = 3
spline = curve_data.splines.new('POLY')
spline.points.add(1)
spline.points[0].co = (0, 0, 0.028, 1)
spline.points[1].co = (0, 0, 0.35, 1)
stem = bpy.data.objects.new("Stem", curve_data)
bpy.context.collection.objects.link(stem)
bpy.ops.object.select_all(action='DESELECT')
stem.select_set(True)
bpy.context.view_layer.objects.active = stem
bpy.ops.object.convert(target='MESH')
stem = bpy.context.active_object
stem.data.materials.append(brass)

# Socket and bulb
bpy.ops.mesh.primitive_cylinder_add(vertices=24, radius=0.017, depth=0.045, location=(0, 0, 0.37))
socket = bpy.context.active_object
socket.name = "Socket"
socket.modifiers.new("Bevel", 'BEVEL').width = 0.003
socket.data.materials.append(brass)

bpy.ops.mesh.primitive_uv_sphere_add(segments=24, ring_count=12, radius=0.03, location=(0, 0, 0.415))
bulb = bpy.context.active_object
bulb.name = "Bulb"
bulb.scale.z = 1.25
bulb.data.materials.append(bulb_mat)
bpy.ops.object.shade_smooth()

# Shade: open cone, given thickness with solidify
bpy.ops.mesh.primitive_cone_add(vertices=64, radius1=0.16, radius2=0.135, depth=0.23,
                                end_fill_type='NOTHING', location=(0, 0, 0.365))
shade = bpy.context.active_object
shade.name = "Shade"
sol = shade.modifiers.new("Solidify", 'SOLIDIFY')
sol.thickness = 0.003
shade.data.materials.append(linen)
bpy.ops.object.shade_smooth()

# Rim trims at both ends of the shade (thin tori)
for z, r in ((0.25, 0.16), (0.48, 0.135)):
    bpy.ops.mesh.primitive_torus_add(major_radius=r, minor_radius=0.003, major_segments=64,
                                     minor_segments=6, location=(0, 0, z))
    bpy.context.active_object.data.materials.append(brass)

# Harp: three thin arms from the socket to the top rim
for k in range(3):
    a = k * 2 * math.pi / 3
    x, y = 0.075 * math.cos(a), 0.075 * math.sin(a)
    bpy.ops.mesh.primitive_cylinder_add(vertices=6, radius=0.0015, depth=0.12, location=(x, y, 0.44))
    arm = bpy.context.active_object
    arm.rotation_euler = (0, math.radians(80), a)
    arm.data.materials.append(brass)

bpy.ops.object.light_add(type='POINT', location=(0, 0, 0.41))
bpy.ops.object.camera_add(location=(0.9, -0.9, 0.6), rotation=(math.radians(70), 0, math.radians(45)))
