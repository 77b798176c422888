# A mesh with NaN and infinite coordinates.
import bpy

mesh = bpy.data.meshes.new("bad")
nan, inf = float("nan"), float("inf")
mesh.from_pydata([(0, 0, 0), (1, 0, 0), (nan, 1, 0), (inf, 0, -inf)], [], [(0, 1, 2), (0, 1, 3)])
bpy.context.scene.collection.objects.link(bpy.data.objects.new("bad", mesh))
