"""Older-Blender code: Mesh.use_auto_smooth no longer exists in Blender 4.1+."""

import bpy

bpy.ops.mesh.primitive_uv_sphere_add(radius=1.0)
sphere = bpy.context.active_object
sphere.data.use_auto_smooth = True
sphere.data.auto_smooth_angle = 0.5
