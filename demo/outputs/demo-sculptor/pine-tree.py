import bpy
import bmesh
import math
import random

# Pine tree: tapered trunk + stacked foliage cones with displaced, drooping edges

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()
random.seed(5)

bark = bpy.data.materials.new("Bark")
bark.use_nodes = True
bark.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (0.28, 0.18, 0.1, 1)
bark.diffuse_color = (0.28, 0.18, 0.1, 1)
needle = bpy.data.materials.new("Needles")
needle.use_nodes = True
needle.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (0.08, 0.28, 0.12, 1)
needle.diffuse_color = (0.08, 0.28, 0.12, 1)

# Trunk
bpy.ops.mesh.primitive_cone_add(vertices=16, radius1=0.13, radius2=0.04, depth=4.4, location=(0, 0, 2.2))
trunk = bpy.context.active_object
trunk.name = "Trunk"
trunk.data.materials.append(bark)
bpy.ops.object.shade_smooth()

# Foliage tiers
tiers = 7
for i in range(tiers):
    t = i / (tiers - 1)
    radius = 1.25 * (1 - 0.8 * t)
    height = 1.1 * (1 - 0.5 * t)
    z = 0.95 + 3.2 * t
    bpy.ops.mesh.primitive_cone_add(vertices=32, radius1=radius, radius2=0.0, depth=height,
                                    location=(0, 0, z + height / 2))
    tier = bpy.context.active_object
    tier.name = f"Foliage_{i}"
    bm = bmesh.new()
    bm.from_mesh(tier.data)
    bottom = [v for v in bm.verts if v.co.z < -height / 2 + 1e-4 and (v.co.x ** 2 + v.co.y ** 2) > 1e-6]
    # jagged, drooping rim: alternate vertices pushed out and down
    for k, v in enumerate(sorted(bottom, key=lambda v: math.atan2(v.co.y, v.co.x))):
        f = 1.12 if k % 2 == 0 else 0.9
        v.co.x *= f * random.uniform(0.95, 1.05)
        v.co.y *= f * random.uniform(0.95, 1.05)
        v.co.z -= 0.12 if k % 2 == 0 else 0.0
    # remove the bottom cap so the tiers read as layered skirts
    caps = [f for f in bm.faces if f.normal.z < -0.9 and len(f.verts) > 4]
    bmesh.ops.delete(bm, geom=caps, context='FACES_ONLY')
    bm.to_mesh(tier.data)
    bm.free()
    solid = tier.modifiers.new("Solidify", 'SOLIDIFY')
    solid.thickness = 0.06
    tier.data.materials.append(needle)
    tier.rotation_euler.z = random.uniform(0, math.pi)

bpy.ops.object.light_add(type='SUN', location=(5, -5, 10))
