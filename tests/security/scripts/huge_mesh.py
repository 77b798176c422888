# A 20-million-vertex grid.
import bpy

bpy.ops.mesh.primitive_grid_add(x_subdivisions=4473, y_subdivisions=4473)
