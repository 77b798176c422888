import bpy
import bmesh

# Build a cottage mesh from raw vertex data

def make_box(name, w, d, h, x=0, y=0, z=0):
    verts = [(x - w/2, y - d/2, z), (x + w/2, y - d/2, z), (x + w/2, y + d/2, z), (x - w/2, y + d/2, z),
             (x - w/2, y - d/2, z + h), (x + w/2, y - d/2, z + h), (x + w/2, y + d/2, z + h), (x - w/2, y + d/2, z + h)]
    faces = [(0, 1, 2, 3), (4, 5, 6, 7), (0, 1, 5, 4), (1, 2, 6, 5), (2, 3, 7, 6), (3, 0, 4, 7)]
    mesh = bpy.data.meshes.new(name + "Mesh")
    mesh.from_pydata(verts, [], faces)
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.objects.link(obj)
    return obj

walls = make_box("Walls", 7, 5, 2.7)

# gable roof
verts = [(-3.8, -2.8, 2.7), (3.8, -2.8, 2.7), (3.8, 2.8, 2.7), (-3.8, 2.8, 2.7), (-3.8, 0, 4.5), (3.8, 0, 4.5)]
faces = [(0, 1, 5, 4), (2, 3, 4, 5), (0, 4, 3), (1, 2, 5), (0, 3, 2, 1)]
roof_mesh = bpy.data.meshes.new("RoofMesh")
roof_mesh.from_pydata(verts, [], faces)
roof = bpy.data.objects.new("Roof", roof_mesh)
bpy.context.scene.objects.link(roof)

door = make_box("Door", 1, 0.1, 2, 0, -2.5, 0)
chimney = make_box("Chimney", 0.6, 0.6, 2, 2, 1, 3.3)

bpy.context.scene.update()
