import bpy
import math

# Arch bridge

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

stone = bpy.data.materials.new("Stone")
stone.diffuse_color = (0.5, 0.5, 0.5, 1)

# Arch: half of a cylinder ring made from boxes placed on a semicircle
segments = 12
for i in range(segments + 1):
    angle = math.pi * i / segments
    x = 3.2 * math.cos(angle)
    z = 3.2 * math.sin(angle)
    bpy.ops.mesh.primitive_cube_add(size=1, location=(x, 0, z))
    block = bpy.context.object
    block.scale = (0.5, 3.0, 0.9)
    block.rotation_euler = (0, -angle, 0)
    block.data.materials.append(stone)

# Deck
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 3.8))
deck = bpy.context.object
deck.scale = (10, 3, 0.3)
deck.data.materials.append(stone)
