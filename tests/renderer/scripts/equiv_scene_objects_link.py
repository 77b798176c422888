"""Blender 2.7x code: scene.objects.link was replaced by collections."""

import bpy

mesh = bpy.data.meshes.new("Plate")
mesh.from_pydata([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0)], [], [(0, 1, 2, 3)])
plate = bpy.data.objects.new("Plate", mesh)
bpy.context.scene.objects.link(plate)
