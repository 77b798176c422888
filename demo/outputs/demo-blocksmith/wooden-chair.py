import bpy

# Simple wooden chair from boxes

def box(name, sx, sy, sz, x, y, z):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(x, y, z))
    o = bpy.context.active_object
    o.name = name
    o.scale = (sx, sy, sz)
    return o

# seat
box("Seat", 0.45, 0.45, 0.04, 0, 0, 0.45)

# legs
for x in (-0.2, 0.2):
    for y in (-0.2, 0.2):
        box("Leg", 0.04, 0.04, 0.45, x, y, 0.225)

# backrest
box("Back", 0.45, 0.04, 0.45, 0, 0.2, 0.7)
