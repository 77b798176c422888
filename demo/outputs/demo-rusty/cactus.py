import bpy
import math

# Saguaro cactus with subsurface material

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

# Trunk
bpy.ops.mesh.primitive_cylinder_add(vertices=24, radius=0.16, depth=1.7, location=(0, 0, 0.85))
trunk = bpy.context.object
trunk.name = "Trunk"
bpy.ops.object.modifier_add(type='SUBSURF')

# Arms
bpy.ops.mesh.primitive_cylinder_add(vertices=16, radius=0.08, depth=0.5, location=(-0.3, 0, 1.0))
arm1 = bpy.context.object
bpy.ops.mesh.primitive_cylinder_add(vertices=16, radius=0.08, depth=0.3, location=(-0.17, 0, 0.78),
                                    rotation=(0, math.radians(90), 0))
bpy.ops.mesh.primitive_cylinder_add(vertices=16, radius=0.08, depth=0.45, location=(0.3, 0, 1.2))

# Material with subsurface scattering for a fleshy look
mat = bpy.data.materials.new(name="CactusMat")
mat.use_nodes = True
bsdf = mat.node_tree.nodes["Principled BSDF"]
bsdf.inputs["Base Color"].default_value = (0.1, 0.4, 0.1, 1)
bsdf.inputs["Subsurface"].default_value = 0.1
bsdf.inputs["Subsurface Color"].default_value = (0.2, 0.6, 0.2, 1)

for obj in bpy.context.scene.objects:
    if obj.type == 'MESH':
        obj.data.materials.append(mat)
