import bpy
import math

# Wooden chair
# Remove default cube
if "Cube" in bpy.data.objects:
    bpy.data.objects.remove(bpy.data.objects["Cube"])

wood = bpy.data.materials.new("Wood")
wood.diffuse_color = (0.5, 0.3, 0.15, 1.0)

def add_part(name, radius, location, scale):
    bpy.ops.mesh.primitive_cube_add(radius=radius, location=location)
    obj = bpy.context.object
    obj.name = name
    obj.scale = scale
    obj.data.materials.append(wood)
    return obj

# Seat
add_part("Seat", 0.5, (0, 0, 0.45), (0.45, 0.45, 0.04))

# Legs
for i, (x, y) in enumerate([(-0.2, -0.2), (0.2, -0.2), (-0.2, 0.2), (0.2, 0.2)]):
    add_part("Leg%d" % i, 0.5, (x, y, 0.22), (0.04, 0.04, 0.44))

# Backrest
add_part("Back", 0.5, (0, 0.2, 0.72), (0.45, 0.03, 0.5))
