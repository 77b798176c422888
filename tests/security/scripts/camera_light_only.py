# A camera and a light, but nothing to look at.
import bpy

bpy.ops.object.camera_add(location=(0, -5, 2))
bpy.ops.object.light_add(type="SUN")
