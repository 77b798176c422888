"""An edge-only spiral (vertices and edges, no faces)."""

import math

import bpy

points = [(math.cos(t * 0.3) * (1 + t * 0.02), math.sin(t * 0.3) * (1 + t * 0.02), t * 0.05) for t in range(80)]
edges = [(i, i + 1) for i in range(len(points) - 1)]
mesh = bpy.data.meshes.new("Spiral")
mesh.from_pydata(points, edges, [])
spiral = bpy.data.objects.new("Spiral", mesh)
bpy.context.collection.objects.link(spiral)
