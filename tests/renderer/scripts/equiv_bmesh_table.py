"""A table built with bmesh: a top slab and four legs."""

import bmesh
import bpy

mesh = bpy.data.meshes.new("TableMesh")
table = bpy.data.objects.new("Table", mesh)
bpy.context.collection.objects.link(table)

bm = bmesh.new()
bmesh.ops.create_cube(
    bm,
    size=1.0,
    matrix=__import__("mathutils").Matrix.Diagonal((1.2, 0.8, 0.05, 1.0))
    @ __import__("mathutils").Matrix.Translation((0, 0, 15)),
)
for x in (-0.55, 0.55):
    for y in (-0.35, 0.35):
        geom = bmesh.ops.create_cube(bm, size=0.05)
        bmesh.ops.scale(bm, vec=(1.0, 1.0, 14.0), verts=geom["verts"])
        bmesh.ops.translate(bm, vec=(x, y, 0.37), verts=geom["verts"])
bm.to_mesh(mesh)
bm.free()
