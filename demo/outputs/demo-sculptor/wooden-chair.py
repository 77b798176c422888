import bpy
import bmesh
import math
from mathutils import Vector

# ------------------------------------------------------------
# Wooden dining chair - spindle back, bevelled parts
# ------------------------------------------------------------

# Clear the scene
bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()


def make_wood_material(name, color, roughness=0.55):
    mat = bpy.data.materials.new(name=name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes.get("Principled BSDF")
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    bsdf.inputs["Roughness"].default_value = roughness
    mat.diffuse_color = (*color, 1.0)
    return mat


def add_block(name, dims, location, material, bevel=0.004):
    """Cube scaled to dims with a bevel modifier for soft edges."""
    bpy.ops.mesh.primitive_cube_add(size=1, location=location)
    obj = bpy.context.active_object
    obj.name = name
    obj.scale = dims
    bpy.ops.object.transform_apply(location=False, rotation=False, scale=True)
    mod = obj.modifiers.new("Bevel", 'BEVEL')
    mod.width = bevel
    mod.segments = 2
    obj.data.materials.append(material)
    return obj


walnut = make_wood_material("Walnut", (0.36, 0.22, 0.12))
light_wood = make_wood_material("Beech", (0.62, 0.45, 0.28))

seat_height = 0.46
seat_w, seat_d, seat_t = 0.44, 0.42, 0.035
leg = 0.038

# Legs: slightly splayed rear legs that become the back posts
for sx in (-1, 1):
    x = sx * (seat_w / 2 - leg / 2)
    add_block(f"FrontLeg_{sx}", (leg, leg, seat_height - seat_t),
              (x, -seat_d / 2 + leg / 2, (seat_height - seat_t) / 2), walnut)
    post = add_block(f"BackPost_{sx}", (leg, leg, 0.92),
                     (x, seat_d / 2 - leg / 2 + 0.02, 0.46), walnut)
    post.rotation_euler.x = math.radians(-5)

# Seat: bevelled board with a subdivision for a softly rounded edge
seat = add_block("Seat", (seat_w + 0.02, seat_d + 0.02, seat_t), (0, 0, seat_height - seat_t / 2),
                 light_wood, bevel=0.008)

# Side rails and stretchers
for sx in (-1, 1):
    x = sx * (seat_w / 2 - leg / 2)
    add_block(f"SideRail_{sx}", (0.022, seat_d - leg, 0.06), (x, 0, seat_height - seat_t - 0.03), walnut)
    add_block(f"Stretcher_{sx}", (0.02, seat_d - leg, 0.02), (x, 0, 0.16), walnut)
add_block("FrontRail", (seat_w - 2 * leg, 0.022, 0.06), (0, -seat_d / 2 + leg / 2, seat_height - seat_t - 0.03), walnut)

# Curved top rail: a bent block (simple deform)
top = add_block("TopRail", (seat_w + 0.02, 0.03, 0.08), (0, seat_d / 2 + 0.055, 0.86), walnut)
top.rotation_euler.x = math.radians(-5)
bend = top.modifiers.new("Bend", 'SIMPLE_DEFORM')
bend.deform_method = 'BEND'
bend.deform_axis = 'Z'
bend.angle = math.radians(25)
top.modifiers.move(1, 0)

# Vertical spindles using an array modifier
bpy.ops.mesh.primitive_cylinder_add(vertices=12, radius=0.009, depth=0.32,
                                    location=(-0.15, seat_d / 2 + 0.03, 0.64))
spindle = bpy.context.active_object
spindle.name = "Spindles"
spindle.rotation_euler.x = math.radians(-5)
arr = spindle.modifiers.new("Array", 'ARRAY')
arr.count = 5
arr.use_relative_offset = False
arr.use_constant_offset = True
arr.constant_offset_displace = (0.075, 0, 0)
spindle.data.materials.append(walnut)
bpy.ops.object.shade_smooth()

# Camera + light for a quick preview
bpy.ops.object.camera_add(location=(1.4, -1.6, 1.2), rotation=(math.radians(65), 0, math.radians(40)))
bpy.ops.object.light_add(type='SUN', location=(2, -2, 4))
