"""A 2 x 4 x 6 box (Blender is Z-up), printed name kept out of the GLB."""

import bpy

bpy.ops.mesh.primitive_cube_add(size=1.0, location=(3.0, -2.0, 1.0))
box = bpy.context.active_object
box.scale = (2.0, 4.0, 6.0)
box.name = "GPT5_secret_model"
box.data.name = "GPT5_secret_mesh"
box["author"] = "GPT5_secret_extra"
material = bpy.data.materials.new("GPT5_secret_material")
box.data.materials.append(material)
bpy.ops.object.camera_add(location=(10, 0, 0))
bpy.ops.object.light_add(type="SUN")
print("built the box")
