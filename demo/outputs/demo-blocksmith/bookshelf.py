import bpy

# Bookshelf: frame of boxes + a few books

def box(sx, sy, sz, x, y, z):
    bpy.ops.mesh.primitive_cube_add(size=1, location=(x, y, z))
    bpy.context.active_object.scale = (sx, sy, sz)

# sides
box(0.02, 0.3, 1.8, -0.41, 0, 0.9)
box(0.02, 0.3, 1.8, 0.41, 0, 0.9)
# back
box(0.84, 0.01, 1.8, 0, 0.145, 0.9)
# shelves (bottom, 3 middle, top)
for z in (0.06, 0.5, 0.93, 1.36, 1.79):
    box(0.8, 0.3, 0.02, 0, 0, z)

# books: a block of books on two shelves
box(0.5, 0.2, 0.24, -0.12, -0.03, 0.19)
box(0.6, 0.2, 0.22, -0.08, -0.03, 1.05)
