"""Reference script (demo corpus) - young pine (fir) tree.

Tapered brown trunk (25 cm at the base), six stacked drooping foliage tiers
with ragged edges, the lowest 2.4 m across, a pointed top at 5 m. Z-up, metres.
"""
import math

import bpy
import bmesh

HEIGHT = 5.0
SEGS = 36


def colour(name, rgb, rough=0.8):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*rgb, 1.0)
    if mat.node_tree and "Principled BSDF" in mat.node_tree.nodes:
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*rgb, 1.0)
        bsdf.inputs["Roughness"].default_value = rough
    return mat


def link(name, bm, mat, smooth=True):
    bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
    me = bpy.data.meshes.new(name)
    bm.to_mesh(me)
    bm.free()
    me.materials.append(mat)
    for poly in me.polygons:
        poly.use_smooth = smooth
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    return ob


def ring_solid(bm, rings, apex_top=None, apex_bottom=None):
    """Skin a list of rings [(radius_fn(theta), z), ...] into a closed solid."""
    loops = []
    for rfn, z in rings:
        loops.append([bm.verts.new((rfn(a) * math.cos(a), rfn(a) * math.sin(a), z))
                      for a in (2 * math.pi * k / SEGS for k in range(SEGS))])
    for l0, l1 in zip(loops, loops[1:]):
        for k in range(SEGS):
            bm.faces.new((l0[k], l0[(k + 1) % SEGS], l1[(k + 1) % SEGS], l1[k]))
    for apex, loop, flip in ((apex_bottom, loops[0], True), (apex_top, loops[-1], False)):
        if apex is None:
            bm.faces.new(list(reversed(loop)) if flip else loop)
            continue
        v = bm.verts.new((0, 0, apex))
        for k in range(SEGS):
            bm.faces.new((loop[k], loop[(k + 1) % SEGS], v))


def build():
    bark = colour("Bark", (0.3, 0.2, 0.12), 0.95)
    needles = colour("Needles", (0.1, 0.3, 0.14))

    # trunk: tapering, slightly flared at the root
    bm = bmesh.new()
    ring_solid(bm, [((lambda a, r=r: r), z) for r, z in
                    ((0.16, 0.0), (0.125, 0.15), (0.11, 1.0), (0.07, 2.5), (0.03, 4.3))], apex_top=4.5)
    link("Trunk", bm, bark)

    # foliage tiers: drooping cones with a ragged, toothed rim
    bm = bmesh.new()
    tiers = 6
    for i in range(tiers):
        t = i / (tiers - 1)
        r_out = 1.2 * (1 - 0.78 * t)
        z_rim = 1.0 + 3.1 * t ** 0.95
        tier_h = 1.05 * (1 - 0.45 * t)
        teeth = 11 + i

        def rim(a, r=r_out, n=teeth, ph=i * 0.7):
            return r * (1 + 0.1 * math.cos(n * a + ph))

        rings = [((lambda a: 0.12), z_rim + 0.12),                      # underside near the trunk
                 ((lambda a, f=rim: f(a) * 0.9), z_rim + 0.02),
                 (rim, z_rim - 0.05),                                   # drooping tips
                 ((lambda a, f=rim: f(a) * 0.92), z_rim + 0.06),
                 ((lambda a, r=r_out: r * 0.45), z_rim + tier_h * 0.55)]
        ring_solid(bm, rings, apex_top=z_rim + tier_h if i < tiers - 1 else HEIGHT, apex_bottom=None)
    link("Foliage", bm, needles, smooth=False)


if __name__ == "__main__":
    build()
