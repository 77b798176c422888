"""Only a camera and a light."""

import bpy

bpy.ops.object.camera_add(location=(5, -5, 3))
bpy.ops.object.light_add(type="AREA", location=(0, 0, 4))
