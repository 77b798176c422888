import bpy
import math

# Snail shell: a spiral of spheres getting bigger

brown = bpy.data.materials.new("Shell")
brown.diffuse_color = (0.6, 0.45, 0.3, 1)

n = 30
for i in range(n):
    t = i / (n - 1)
    angle = t * 3 * 2 * math.pi
    dist = 0.002 + 0.012 * t
    r = 0.002 + 0.007 * t
    z = 0.016 * (1 - t) + r
    bpy.ops.mesh.primitive_uv_sphere_add(segments=16, ring_count=8, radius=r,
                                         location=(dist * math.cos(angle), dist * math.sin(angle), z))
    bpy.context.active_object.data.materials.append(brown)
