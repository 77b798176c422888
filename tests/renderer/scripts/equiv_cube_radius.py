"""Blender 2.7x code: primitive_cube_add(radius=...) was replaced by size."""

import bpy

bpy.ops.mesh.primitive_cube_add(radius=1.0, location=(0, 0, 0))
