"""Render the reference image of every image-to-3d prompt of the demo corpus.

Usage (from the repository root, re-runnable; overwrites demo/images/*.png):

    .venv/bin/python demo/make_reference_images.py            # all image-to-3d prompts
    .venv/bin/python demo/make_reference_images.py mushroom   # only these slugs

For each prompt with ``"task": "image-to-3d"`` the reference script is run in an
empty scene, cameras and lights it made are removed, and the remaining meshes
are rendered with the Workbench engine (studio light, material colours, soft
cavity/shadow, transparent background) from a 3/4 view, 384 x 384 px, into the
prompt's ``reference_image`` path.
"""

from __future__ import annotations

import json
import math
import os
import sys

import bpy
from mathutils import Vector

DEMO_DIR = os.path.dirname(os.path.abspath(__file__))
RES = 384
AZIMUTH = math.radians(35.0)    # from the front (-Y) towards +X
ELEVATION = math.radians(22.0)
LENS_MM = 50.0


def load_prompts() -> list[dict]:
    with open(os.path.join(DEMO_DIR, "prompts.jsonl"), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_script(path: str) -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    with open(path, encoding="utf-8") as fh:
        code = compile(fh.read(), path, "exec")
    exec(code, {"__name__": "__main__", "__file__": path})
    for obj in list(bpy.data.objects):
        if obj.type in {"CAMERA", "LIGHT", "LIGHT_PROBE"}:
            bpy.data.objects.remove(obj, do_unlink=True)


def mesh_bounds() -> tuple[Vector, float]:
    """Centre of the bounding box of all meshes and the radius of its bounding sphere."""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    lo = Vector((math.inf,) * 3)
    hi = Vector((-math.inf,) * 3)
    for obj in bpy.context.scene.objects:
        if obj.type != "MESH":
            continue
        ev = obj.evaluated_get(depsgraph)
        for corner in ev.bound_box:
            w = ev.matrix_world @ Vector(corner)
            lo = Vector(map(min, lo, w))
            hi = Vector(map(max, hi, w))
    if lo.x == math.inf:
        raise RuntimeError("no mesh to render")
    return (lo + hi) / 2, (hi - lo).length / 2


def setup_render(out_path: str) -> None:
    scene = bpy.context.scene
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.render.resolution_x = scene.render.resolution_y = RES
    scene.render.resolution_percentage = 100
    scene.render.film_transparent = True
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGBA"
    scene.render.image_settings.compression = 90
    scene.render.filepath = out_path
    shading = scene.display.shading
    shading.light = "STUDIO"
    shading.color_type = "MATERIAL"
    shading.show_cavity = True
    shading.cavity_type = "WORLD"
    shading.show_shadows = True
    shading.shadow_intensity = 0.35
    scene.display.render_aa = "8"

    center, radius = mesh_bounds()
    cam_data = bpy.data.cameras.new("RefCam")
    cam_data.lens = LENS_MM
    cam = bpy.data.objects.new("RefCam", cam_data)
    scene.collection.objects.link(cam)
    half_fov = math.atan(cam_data.sensor_width / (2 * LENS_MM))
    dist = radius / math.sin(half_fov) * 1.05
    direction = Vector((math.sin(AZIMUTH) * math.cos(ELEVATION),
                        -math.cos(AZIMUTH) * math.cos(ELEVATION),
                        math.sin(ELEVATION)))
    cam.location = center + direction * dist
    cam.rotation_euler = (-direction).to_track_quat("-Z", "Y").to_euler()
    cam_data.clip_start = dist / 100
    cam_data.clip_end = dist * 10
    scene.camera = cam


def render(script: str, out_path: str) -> None:
    run_script(script)
    setup_render(out_path)
    bpy.ops.render.render(write_still=True)


def main(argv: list[str]) -> int:
    wanted = set(argv)
    for p in load_prompts():
        if p.get("task") != "image-to-3d" or (wanted and p["slug"] not in wanted):
            continue
        out = os.path.join(DEMO_DIR, p["reference_image"])
        os.makedirs(os.path.dirname(out), exist_ok=True)
        render(os.path.join(DEMO_DIR, p["reference_script"]), out)
        print(f"{p['slug']}: {os.path.relpath(out, DEMO_DIR)} ({os.path.getsize(out) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
