"""A chair from scaled cubes with materials and a parent empty."""

import bpy


def make_material(name, color):
    material = bpy.data.materials.new(name=name)
    material.use_nodes = True
    material.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = color
    return material


wood = make_material("Wood", (0.4, 0.25, 0.1, 1.0))
bpy.ops.object.empty_add(location=(0, 0, 0))
root = bpy.context.active_object
parts = [
    ((0, 0, 0.45), (0.45, 0.45, 0.04)),
    ((0, -0.21, 0.8), (0.45, 0.04, 0.65)),
]
for x in (-0.2, 0.2):
    for y in (-0.2, 0.2):
        parts.append(((x, y, 0.22), (0.04, 0.04, 0.45)))
for location, scale in parts:
    bpy.ops.mesh.primitive_cube_add(size=1, location=location)
    part = bpy.context.active_object
    part.scale = scale
    part.data.materials.append(wood)
    part.parent = root
root.rotation_euler = (0, 0, 0.5)
