import bpy

# Bookshelf using array modifier for shelves, applied afterwards

bpy.ops.object.select_all(action='SELECT')
bpy.ops.object.delete()

# side panels
for x in (-0.41, 0.41):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(x, 0, 0.9))
    bpy.context.object.scale = (0.02, 0.3, 1.8)

# shelf + array
bpy.ops.mesh.primitive_cube_add(size=1, location=(0, 0, 0.05))
shelf = bpy.context.object
shelf.name = "Shelf"
shelf.scale = (0.8, 0.3, 0.02)
arr = shelf.modifiers.new(name="ShelfArray", type='ARRAY')
arr.count = 5
arr.relative_offset_displace = (0, 0, 21.5)

# apply the modifier so the shelves become real geometry
bpy.context.view_layer.objects.active = shelf
bpy.ops.object.modifier_apply(apply_as='DATA', modifier="ShelfArray")

# some books
for i in range(10):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(-0.35 + i * 0.04, 0, 0.18))
    bpy.context.object.scale = (0.03, 0.2, 0.24)
