"""One render job, run inside a Blender worker process (imports ``bpy``).

A job takes a Blender Python script (or a mesh file) and an output
directory, and writes there:

- ``model.glb``: the browser asset (Y-up, centred, materials stripped,
  Draco-compressed if asked, names and metadata anonymised; the host
  compresses it with meshopt by default);
- ``mesh.glb``: the same geometry without compression, for metrics;
- ``views/view_045.png`` ...: clay renders;
- ``result.json``: status, error, captured output, statistics and timings.

Statuses follow the reference benchmark: ``ok``, ``err_exec``,
``err_no_mesh``, ``err_export``, ``err_render``; ``err_timeout`` is decided
by the process that supervises the job.

This module must only be imported where ``bpy`` may be loaded: the worker
(:mod:`renderer.runtime.zygote`) or a stand-alone run (``python -m
renderer.runtime.blender_job INPUT OUT_DIR``).
"""

from __future__ import annotations

import argparse
import builtins
import json
import math
import os
import re
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bpy
import numpy as np
from mathutils import Matrix, Vector
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from . import glb
from .capture import OutputCapture
from .leftovers import end_leftovers

MESH_SUFFIXES = (".glb", ".gltf", ".obj", ".ply", ".stl")
STATUSES = ("ok", "err_exec", "err_no_mesh", "err_timeout", "err_export", "err_render")
CLAY_GREY = (0.72, 0.72, 0.74)
LIGHT_POWER = 3.0  # watts per square metre of light-to-object distance
FIT_MARGIN = 0.06  # share of the half-frame left free around the bounding box ("fit" framing)

Progress = Callable[[str, float], None]


class JobError(Exception):
    """A failure that ends the job with a given status and message."""

    def __init__(self, status: str, message: str, trace: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.trace = trace


def _summary(exc: BaseException) -> str:
    """One line describing an exception raised by a Blender operator.

    Operator errors wrap the Python traceback of the add-on in their
    message; its last ``SomethingError: ...`` line is the informative one.
    """
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_.]*(Error|Exception|Warning)\b", line) and not line.startswith("Error: Python"):
            return line
    return lines[0] if lines else type(exc).__name__


def _no_progress(stage: str, fraction: float) -> None:
    """Ignore progress reports (stand-alone runs)."""


def reset_scene() -> None:
    """Load Blender's factory settings with an empty scene."""
    bpy.ops.wm.read_factory_settings(use_empty=True)


# --------------------------------------------------------------------------
# Running the user's script


def _script_line(exc: BaseException, script_path: str) -> int | None:
    """Return the line of the user's script where ``exc`` was raised."""
    if isinstance(exc, SyntaxError) and exc.filename == script_path:
        return exc.lineno
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == script_path:
            line = lineno
    return line


def _error_line(exc: BaseException, script_path: str, limits: dict[str, Any] | None = None) -> str:
    """Format an exception as one line, e.g. ``KeyError: 'x' (line 12)``.

    A ``MemoryError`` is named as running out of memory, with the job's
    limit when ``limits`` (the job's settings) give it.
    """
    if isinstance(exc, MemoryError) and limits and limits.get("memory_mb"):
        line = _script_line(exc, script_path)
        where = f" (MemoryError, line {line})" if line is not None else " (MemoryError)"
        message = f"ran out of memory{where}: the job's limit is {limits['memory_mb']} MiB (RENDER_MEMORY_MB)"
        if limits.get("address_space_mb"):
            message += f"; without a cgroup, its address space is capped at {limits['address_space_mb']} MiB"
        return message
    if isinstance(exc, SystemExit):
        return f"script called sys.exit({exc.code!r})"
    if isinstance(exc, SyntaxError):
        message = f"{type(exc).__name__}: {exc.msg}"
    else:
        text = str(exc).strip().splitlines()
        message = type(exc).__name__ + (f": {text[0]}" if text else "")
    line = _script_line(exc, script_path)
    return f"{message} (line {line})" if line is not None else message


def run_script(script_path: str, limits: dict[str, Any] | None = None) -> None:
    """Execute a script as ``__main__``, the way ``runpy.run_path`` does.

    ``limits`` (the job's settings) give the memory limit to name if the
    script runs out.

    Raises
    ------
    JobError
        With status ``err_exec`` on any exception, including ``SyntaxError``
        and ``SystemExit``.
    """
    try:
        source = Path(script_path).read_bytes()
        code = compile(source, script_path, "exec", dont_inherit=True)
        namespace = {
            "__name__": "__main__",
            "__file__": script_path,
            "__builtins__": builtins,
            "__package__": None,
            "__doc__": None,
            "__spec__": None,
            "__loader__": None,
        }
        saved_argv = sys.argv
        sys.argv = [script_path]
        try:
            exec(code, namespace)
        finally:
            sys.argv = saved_argv
    except BaseException as exc:  # noqa: BLE001 - every failure is the script's
        trace = "".join(traceback.format_exception(exc))
        raise JobError("err_exec", _error_line(exc, script_path, limits), trace) from None


def import_mesh(path: str) -> None:
    """Import a mesh file (.glb/.gltf/.obj/.ply/.stl) into the empty scene.

    Raises
    ------
    JobError
        With status ``err_exec`` when the file cannot be read.
    """
    suffix = Path(path).suffix.lower()
    importers = {
        ".glb": lambda: bpy.ops.import_scene.gltf(filepath=path),
        ".gltf": lambda: bpy.ops.import_scene.gltf(filepath=path),
        ".obj": lambda: bpy.ops.wm.obj_import(filepath=path),
        ".ply": lambda: bpy.ops.wm.ply_import(filepath=path),
        ".stl": lambda: bpy.ops.wm.stl_import(filepath=path),
    }
    try:
        importers[suffix]()
    except BaseException as exc:  # noqa: BLE001 - a broken upload is the input's fault
        trace = "".join(traceback.format_exception(exc))
        raise JobError("err_exec", f"could not import {suffix} file: {_summary(exc)}", trace) from None


# --------------------------------------------------------------------------
# Collecting and exporting geometry


def _leave_edit_mode() -> None:
    """Return to object mode so edits made in edit mode reach the mesh."""
    obj = bpy.context.view_layer.objects.active if bpy.context.view_layer else None
    if obj is not None and obj.mode != "OBJECT":
        try:
            bpy.ops.object.mode_set(mode="OBJECT")
        except RuntimeError:
            pass


def _remove_cameras_and_lights(scene: Any) -> None:
    """Delete the cameras and lights the script created."""
    for obj in list(scene.objects):
        if obj.type in ("CAMERA", "LIGHT"):
            bpy.data.objects.remove(obj, do_unlink=True)


def _evaluated_meshes(scene: Any) -> list[Any]:
    """Copy every mesh object of ``scene`` with modifiers and transform applied.

    Only objects of type ``MESH`` count: curves, text and empties are not
    shapes in the reference benchmark's sense.
    """
    depsgraph = bpy.context.evaluated_depsgraph_get()
    meshes = []
    for obj in scene.objects:
        if obj.type != "MESH":
            continue
        evaluated = obj.evaluated_get(depsgraph)
        mesh = bpy.data.meshes.new_from_object(evaluated, depsgraph=depsgraph)
        mesh.transform(evaluated.matrix_world)
        if len(mesh.vertices) == 0:
            bpy.data.meshes.remove(mesh)
            continue
        meshes.append(mesh)
    return meshes


def _coordinates(meshes: list[Any]) -> np.ndarray:
    """Return all vertex coordinates of ``meshes`` as an (n, 3) array."""
    parts = []
    for mesh in meshes:
        co = np.empty(len(mesh.vertices) * 3, dtype=np.float64)
        mesh.vertices.foreach_get("co", co)
        parts.append(co.reshape(-1, 3))
    return np.concatenate(parts)


def _bounding_box(meshes: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return the (min, max) corners of ``meshes`` in Blender's Z-up frame.

    Raises
    ------
    JobError
        With status ``err_export`` when a coordinate is NaN or infinite.
    """
    points = _coordinates(meshes)
    if not np.isfinite(points).all():
        bad = int((~np.isfinite(points)).any(axis=1).sum())
        raise JobError("err_export", f"mesh has {bad} vertices with NaN or infinite coordinates")
    return points.min(axis=0), points.max(axis=0)


def _build_export_scene(scene: Any, meshes: list[Any], strip_materials: bool) -> None:
    """Replace the scene's objects by neutral ``mesh_<i>`` objects.

    The new objects carry only geometry: no parents, animation, custom
    properties or (by default) materials, so nothing of the script's naming
    leaks into the exported files.
    """
    for obj in list(bpy.data.objects):
        bpy.data.objects.remove(obj, do_unlink=True)
    for index, mesh in enumerate(meshes):
        mesh.name = f"mesh_{index}"
        if strip_materials:
            mesh.materials.clear()
        obj = bpy.data.objects.new(f"mesh_{index}", mesh)
        scene.collection.objects.link(obj)


def _connected_parts(mesh: Any) -> int:
    """Count the connected components of one mesh: vertices joined by its edges.

    Vertices are taken as they are (not merged by distance), so a loose
    vertex is a part of its own and two touching but unjoined pieces are two.
    """
    vertices = len(mesh.vertices)
    edges = np.empty(len(mesh.edges) * 2, dtype=np.int32)
    mesh.edges.foreach_get("vertices", edges)
    ends = edges.reshape(-1, 2)
    graph = coo_matrix((np.ones(len(ends), dtype=np.int8), (ends[:, 0], ends[:, 1])), shape=(vertices, vertices))
    count, _ = connected_components(graph, directed=False)
    return int(count)


def _mesh_stats(meshes: list[Any]) -> dict[str, int]:
    """Count objects, vertices, edges, faces, triangles and connected parts (summed over the objects)."""
    stats = {"objects": len(meshes), "vertices": 0, "edges": 0, "faces": 0, "triangles": 0, "parts": 0}
    for mesh in meshes:
        mesh.calc_loop_triangles()
        stats["vertices"] += len(mesh.vertices)
        stats["edges"] += len(mesh.edges)
        stats["faces"] += len(mesh.polygons)
        stats["triangles"] += len(mesh.loop_triangles)
        stats["parts"] += _connected_parts(mesh)
    return stats


def _y_up_box(low: np.ndarray, high: np.ndarray) -> tuple[list[float], list[float]]:
    """Convert a Z-up box to glTF's Y-up frame: (x, y, z) -> (x, z, -y)."""
    box_min = [float(low[0]), float(low[2]), float(-high[1])]
    box_max = [float(high[0]), float(high[2]), float(-low[1])]
    return box_min, box_max


def _export_glb(
    path: str, draco: bool, strip_materials: bool, loose_edges: bool = True, loose_points: bool = True
) -> None:
    """Export the current scene's meshes to a GLB and anonymise it.

    ``loose_edges`` and ``loose_points`` may be switched off when the meshes
    have none: the exporter looks for them in a Python loop over every edge
    and vertex (a third of its time on a 200K-triangle mesh), and the file is
    the same without the search.
    """
    bpy.ops.export_scene.gltf(
        filepath=path,
        export_format="GLB",
        use_active_scene=True,
        export_yup=True,
        export_apply=True,
        export_materials="NONE" if strip_materials else "EXPORT",
        export_texcoords=not strip_materials,
        export_normals=True,
        export_vertex_color="NONE",
        export_attributes=False,
        export_cameras=False,
        export_lights=False,
        export_extras=False,
        export_animations=False,
        export_skins=False,
        export_morph=False,
        use_mesh_edges=loose_edges,
        use_mesh_vertices=loose_points,
        export_draco_mesh_compression_enable=draco,
        export_draco_mesh_compression_level=6,
    )
    glb.anonymise_file(path)


BIN_CHUNK = 0x004E4942
GL_ARRAY_BUFFER, GL_ELEMENT_ARRAY_BUFFER = 34962, 34963
GL_FLOAT, GL_UNSIGNED_INT = 5126, 5125
GL_POINTS, GL_LINES, GL_TRIANGLES = 0, 1, 4


def _mesh_primitives(mesh: Any) -> list[tuple[int, np.ndarray]]:
    """The glTF primitives of one mesh: (mode, vertex indices) for triangles, loose edges, loose points.

    The same parts the glTF exporter writes with ``use_mesh_edges`` and
    ``use_mesh_vertices``: every face as triangles, edges that belong to no
    face as lines, vertices that belong to nothing as points.
    """
    mesh.calc_loop_triangles()
    triangles = np.empty(len(mesh.loop_triangles) * 3, dtype=np.uint32)
    mesh.loop_triangles.foreach_get("vertices", triangles)
    edges = np.empty(len(mesh.edges) * 2, dtype=np.uint32)
    mesh.edges.foreach_get("vertices", edges)
    face_edges = np.empty(len(mesh.loops), dtype=np.int64)
    mesh.loops.foreach_get("edge_index", face_edges)
    in_face = np.zeros(len(mesh.edges), dtype=bool)
    in_face[face_edges] = True
    loose_edges = edges.reshape(-1, 2)[~in_face].ravel()
    used = np.zeros(len(mesh.vertices), dtype=bool)
    used[triangles] = True
    used[edges] = True
    points = np.flatnonzero(~used).astype(np.uint32)
    parts = [(GL_TRIANGLES, triangles), (GL_LINES, loose_edges), (GL_POINTS, points)]
    return [(mode, indices) for mode, indices in parts if len(indices)]


def _write_mesh_glb(path: str, meshes: list[Any], parts: list[list[tuple[int, np.ndarray]]]) -> None:
    """Write the plain metrics GLB straight from the meshes' arrays (Y-up, no normals, no materials).

    The glTF exporter spends most of its time splitting vertices by face
    corner for normals and texture coordinates, which the metrics do not
    read; this writes the same positions, triangles, loose edges and loose
    points in a few array copies, anonymous like the browser GLB.
    """
    views: list[dict[str, Any]] = []
    accessors: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    offset = 0

    def add(array: np.ndarray, target: int, component: int, kind: str) -> int:
        nonlocal offset
        data = array.tobytes()
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(data), "target": target})
        accessor: dict[str, Any] = {"bufferView": len(views) - 1, "componentType": component, "type": kind}
        accessor["count"] = len(array)
        if kind == "VEC3":
            accessor["min"], accessor["max"] = array.min(axis=0).tolist(), array.max(axis=0).tolist()
        accessors.append(accessor)
        chunks.append(data)
        offset += len(data)
        return len(accessors) - 1

    gl_meshes = []
    for mesh, mesh_parts in zip(meshes, parts, strict=True):
        co = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
        mesh.vertices.foreach_get("co", co)
        co = co.reshape(-1, 3)
        position = add(
            np.ascontiguousarray(np.stack([co[:, 0], co[:, 2], -co[:, 1]], axis=1)), GL_ARRAY_BUFFER, GL_FLOAT, "VEC3"
        )
        primitives = [
            {
                "attributes": {"POSITION": position},
                "indices": add(indices, GL_ELEMENT_ARRAY_BUFFER, GL_UNSIGNED_INT, "SCALAR"),
                "mode": mode,
            }
            for mode, indices in mesh_parts
        ]
        gl_meshes.append({"name": mesh.name, "primitives": primitives})
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": list(range(len(gl_meshes)))}],
        "nodes": [{"name": mesh["name"], "mesh": index} for index, mesh in enumerate(gl_meshes)],
        "meshes": gl_meshes,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": offset}],
    }
    binary = b"".join(chunks)
    rest = struct.pack("<II", len(binary), BIN_CHUNK) + binary
    Path(path).write_bytes(glb.write_glb(glb.anonymise(document), rest))


def export_assets(out_dir: Path, settings: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Turn the scene left by the script into ``model.glb`` and ``mesh.glb``.

    Returns
    -------
    dict
        Geometry statistics, with the bounding box in the exported frame.

    Raises
    ------
    JobError
        ``err_no_mesh`` when no mesh geometry remains, ``err_export`` when
        the geometry cannot be written.
    """
    scene = bpy.context.scene
    _leave_edit_mode()
    _remove_cameras_and_lights(scene)
    meshes = _evaluated_meshes(scene)
    if not meshes:
        raise JobError("err_no_mesh", "the script left no mesh object with geometry")
    progress("exporting", 0.5)
    low, high = _bounding_box(meshes)
    centre = Vector(((low + high) / 2.0).tolist())
    for mesh in meshes:
        mesh.transform(Matrix.Translation(-centre))
    _build_export_scene(scene, meshes, settings["strip_materials"])
    stats: dict[str, Any] = _mesh_stats(meshes)
    stats["bbox_min"], stats["bbox_max"] = _y_up_box(low - (low + high) / 2, high - (low + high) / 2)
    stats["dimensions"] = [float(v) for v in (high - low)[[0, 2, 1]]]
    parts = [_mesh_primitives(mesh) for mesh in meshes]
    modes = {mode for mesh_parts in parts for mode, _ in mesh_parts}
    try:
        _export_glb(
            str(out_dir / "model.glb"),
            settings["compress"] == "draco",
            settings["strip_materials"],
            loose_edges=GL_LINES in modes,
            loose_points=GL_POINTS in modes,
        )
        if settings["strip_materials"]:
            _write_mesh_glb(str(out_dir / "mesh.glb"), meshes, parts)
        else:
            _export_glb(str(out_dir / "mesh.glb"), False, settings["strip_materials"])
    except BaseException as exc:  # noqa: BLE001 - any exporter failure is an export error
        trace = "".join(traceback.format_exception(exc))
        raise JobError("err_export", _summary(exc), trace) from None
    stats["glb_bytes"] = (out_dir / "model.glb").stat().st_size
    stats["mesh_bytes"] = (out_dir / "mesh.glb").stat().st_size
    stats["extent"] = float((high - low).max())
    return stats


# --------------------------------------------------------------------------
# Clay renders


def _setup_workbench(scene: Any) -> None:
    """Clay look: studio light, one neutral grey, no textures."""
    scene.render.engine = "BLENDER_WORKBENCH"
    shading = scene.display.shading
    shading.light = "STUDIO"
    shading.color_type = "SINGLE"
    shading.single_color = CLAY_GREY
    shading.show_cavity = False
    # One sample smoothed by FXAA: 8 samples cost 2.5x the CPU time of a view for little a thumbnail shows.
    scene.display.render_aa = "FXAA"


def _setup_cycles(scene: Any, samples: int, extent: float) -> None:
    """Reference look: Cycles on the CPU, three area lights, grey material."""
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = False
    material = bpy.data.materials.new("clay")
    material.use_nodes = True
    bsdf = material.node_tree.nodes.get("Principled BSDF")
    if bsdf is not None:
        bsdf.inputs["Base Color"].default_value = (*CLAY_GREY, 1.0)
        bsdf.inputs["Roughness"].default_value = 0.7
    for obj in scene.objects:
        if obj.type == "MESH":
            obj.data.materials.clear()
            obj.data.materials.append(material)
    for index, (azimuth, height, power) in enumerate(((45, 1.0, 1.0), (165, 0.6, 0.5), (285, -0.2, 0.3))):
        angle = math.radians(azimuth)
        location = Vector((math.cos(angle), math.sin(angle), height)) * 2.5 * extent
        light = bpy.data.lights.new(f"light_{index}", type="AREA")
        # Power grows with the squared distance so that the exposure does
        # not depend on the size of the object.
        light.energy = LIGHT_POWER * power * location.length_squared
        light.size = extent
        obj = bpy.data.objects.new(f"light_{index}", light)
        obj.location = location
        _aim(obj, Vector((0.0, 0.0, 0.0)))
        scene.collection.objects.link(obj)
    world = bpy.data.worlds.new("world")
    world.color = (0.05, 0.05, 0.05)
    scene.world = world


def _aim(obj: Any, target: Vector) -> None:
    """Point an object's -Z axis (cameras and lights look along it) at ``target``."""
    direction = target - obj.location
    obj.rotation_euler = direction.to_track_quat("-Z", "Y").to_euler()


def _fit_distance(camera: Any, half: Vector, tan_half_fov: float) -> float:
    """Distance from the centre at which every corner of the box projects inside the frame.

    ``camera`` is already aimed at the centre from the wanted direction. For a
    corner ``p`` (relative to the centre) at depth ``D + p.v`` along the view
    axis ``v``, its image stays inside the frame while ``|p.r| / depth`` and
    ``|p.u| / depth`` are at most ``tan_half_fov``; the smallest ``D`` that
    satisfies this for the 8 corners is the answer.
    """
    rotation = camera.rotation_euler.to_matrix()
    right, up, forward = rotation @ Vector((1, 0, 0)), rotation @ Vector((0, 1, 0)), rotation @ Vector((0, 0, -1))
    distance = 0.0
    for sx in (-1.0, 1.0):
        for sy in (-1.0, 1.0):
            for sz in (-1.0, 1.0):
                corner = Vector((sx * half.x, sy * half.y, sz * half.z))
                spread = max(abs(corner.dot(right)), abs(corner.dot(up)))
                distance = max(distance, spread / tan_half_fov - corner.dot(forward))
    return distance


def _place_camera(camera: Any, azimuth: float, extent: float, half: Vector, framing: str) -> None:
    """Put the camera at ``azimuth`` degrees around the (centred) geometry, looking at its centre.

    ``reference``: at 1.8x the largest dimension, raised 0.6x, as in the
    reference benchmark (which can crop tall or wide shapes). ``fit``: from
    the same direction, at the distance where the whole bounding box fits
    inside the frame with a margin of ``FIT_MARGIN`` of its half-width.
    """
    angle = math.radians(azimuth)
    direction = Vector((1.8 * math.cos(angle), 1.8 * math.sin(angle), 0.6))
    if framing == "reference":
        camera.location = direction * extent
        _aim(camera, Vector((0.0, 0.0, 0.0)))
        return
    direction.normalize()
    camera.location = direction
    _aim(camera, Vector((0.0, 0.0, 0.0)))
    half_fov = math.atan(camera.data.sensor_width / 2.0 / camera.data.lens)
    distance = _fit_distance(camera, half, math.tan(half_fov) * (1.0 - FIT_MARGIN))
    camera.location = direction * max(distance, extent * 0.05)


def render_views(
    out_dir: Path,
    settings: dict[str, Any],
    extent: float,
    progress: Progress,
    size: list[float] | None = None,
    seconds: list[float] | None = None,
) -> list[str]:
    """Render the clay views around the (centred) geometry.

    A 50 mm lens looks at the centre from each azimuth, raised as in the
    reference benchmark; ``settings["framing"]`` chooses the distance (see
    :func:`_place_camera`).

    Parameters
    ----------
    size : list of float, optional
        Sizes of the bounding box along Blender's x, y and z; a cube of
        side ``extent`` when absent.
    seconds : list of float, optional
        Receives the wall time of each view.

    Returns
    -------
    list of str
        Paths of the written images, relative to ``out_dir``.
    """
    scene = bpy.context.scene
    extent = max(extent, 1e-6)
    half = Vector([max(value, 1e-9) / 2.0 for value in (size or [extent] * 3)])
    if settings["engine"] == "cycles":
        _setup_cycles(scene, settings["cycles_samples"], extent)
    else:
        _setup_workbench(scene)
    render = scene.render
    render.resolution_x = render.resolution_y = settings["size"]
    render.resolution_percentage = 100
    render.film_transparent = True
    render.image_settings.file_format = "PNG"
    render.image_settings.color_mode = "RGBA"
    camera_data = bpy.data.cameras.new("camera")
    camera_data.lens = 50.0
    camera_data.clip_start = extent * 0.01
    camera_data.clip_end = extent * 100.0
    camera = bpy.data.objects.new("camera", camera_data)
    scene.collection.objects.link(camera)
    scene.camera = camera
    (out_dir / "views").mkdir(exist_ok=True)
    written = []
    azimuths = settings["azimuths"]
    for index, azimuth in enumerate(azimuths):
        progress(f"rendering {index + 1}/{len(azimuths)}", 0.6 + 0.4 * index / len(azimuths))
        _place_camera(camera, azimuth, extent, half, settings.get("framing", "fit"))
        relative = f"views/view_{int(round(azimuth)) % 360:03d}.png"
        render.filepath = str(out_dir / relative)
        started = time.perf_counter()
        bpy.ops.render.render(write_still=True)
        if seconds is not None:
            seconds.append(time.perf_counter() - started)
        written.append(relative)
    return written


def view_fill(path: Path) -> float:
    """The share of a rendered view's pixels the shape covers: the mean of its alpha, in [0, 1].

    The views are rendered on a transparent film, so alpha is 0 on the
    background and 1 on the shape; pixels on its outline count by the share
    of them it covers.
    """
    image = bpy.data.images.load(str(path), check_existing=False)
    try:
        pixels = np.empty(len(image.pixels), dtype=np.float32)
        image.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(image)
    return float(pixels[3::4].mean()) if pixels.size else 0.0


def warm_up_render(out_dir: str) -> None:
    """Render a small smooth and flat-shaded scene once (fills shader caches)."""
    bpy.ops.mesh.primitive_uv_sphere_add(radius=1.0)
    bpy.ops.object.shade_smooth()
    bpy.ops.mesh.primitive_cube_add(size=1.0, location=(2.0, 0.0, 0.0))
    settings = {"engine": "workbench", "size": 32, "azimuths": [45.0], "cycles_samples": 1}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    render_views(out, settings, 4.0, _no_progress)


# --------------------------------------------------------------------------
# The job


def _empty_result() -> dict[str, Any]:
    """Return a result with every key present."""
    return {
        "status": "ok",
        "error": "",
        "traceback": "",
        "stdout": "",
        "stderr": "",
        "stats": {},
        "timings": {},
        "files": {},
    }


def _load(input_path: str, settings: dict[str, Any], result: dict[str, Any]) -> None:
    """Run the script (or import the mesh) with its output captured.

    When it returns, the processes it left running are ended (with a note
    in ``stderr``): they would hold the sandbox's task limit and memory
    that export and renders need. ``settings["leftovers"]`` says where to
    look: ``"namespace"`` (the sandbox's PID namespace), ``"session"`` (the
    job's own session) or absent (stand-alone run: nothing is ended).
    """
    # Blender and C extensions write straight to descriptors 1 and 2: both are captured, bounded.
    capture = OutputCapture(settings["stdout_limit"])
    capture.start()
    ended = 0
    try:
        if input_path.lower().endswith(MESH_SUFFIXES):
            import_mesh(input_path)
        else:
            run_script(input_path, settings)
    finally:
        if settings.get("leftovers") in ("namespace", "session"):
            ended = end_leftovers(settings["leftovers"] == "namespace", keep=(capture.pid,))
        # The output is kept whether or not the script failed.
        result.update(capture.finish())
        if ended:
            noun = "process" if ended == 1 else "processes"
            result["stderr"] += f"\n[{ended} leftover {noun} of the script ended before export]\n"


def run_job(
    input_path: str,
    out_dir: str,
    settings: dict[str, Any],
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Run one job in the current (clean) Blender state and write its result.

    Parameters
    ----------
    input_path : str
        A ``.py`` script, or a mesh file with one of ``MESH_SUFFIXES``.
    out_dir : str
        Directory that receives the GLBs, the renders and ``result.json``.
    settings : dict
        :meth:`renderer.runtime.config.RenderConfig.job_settings`, plus optionally
        ``tmp_dir`` for scratch files.
    progress : callable, optional
        Called as ``progress(stage, fraction)``.
    timings : dict, optional
        Timings measured before this call (e.g. ``startup``).

    Returns
    -------
    dict
        The result, also written to ``out_dir/result.json``.
    """
    report = progress or _no_progress
    out = Path(out_dir)
    result = _empty_result()
    result["timings"] = dict(timings or {})
    started = time.perf_counter()
    stage_started = started
    stage = "script"
    try:
        report("running", 0.05)
        _load(input_path, settings, result)
        result["timings"]["script"] = time.perf_counter() - stage_started
        stage, stage_started = "export", time.perf_counter()
        stats = export_assets(out, settings, report)
        result["stats"] = stats
        result["files"] = {"glb": "model.glb", "mesh": "mesh.glb"}
        result["timings"]["export"] = time.perf_counter() - stage_started
        if settings["azimuths"]:
            stage, stage_started = "render", time.perf_counter()
            cpu_started = time.process_time()
            try:
                width, height, depth = stats["dimensions"]  # Y-up: x, z, -y
                box = [width, depth, height]
                views: list[float] = []
                result["timings"]["views"] = views
                result["files"]["views"] = render_views(out, settings, stats["extent"], report, box, views)
                stats["fill"] = view_fill(out / result["files"]["views"][0])
            except BaseException as exc:  # noqa: BLE001 - any renderer failure is a render error
                trace = "".join(traceback.format_exception(exc))
                raise JobError("err_render", _summary(exc), trace) from None
            result["timings"]["render"] = time.perf_counter() - stage_started
            # CPU seconds of all threads: comparable across runs on a busy machine.
            result["timings"]["render_cpu"] = time.process_time() - cpu_started
    except JobError as failure:
        result["timings"].setdefault(stage, time.perf_counter() - stage_started)
        result.update(status=failure.status, error=failure.message, traceback=failure.trace)
    result["timings"]["job"] = time.perf_counter() - started
    _write_result(out, result)
    report("finished", 1.0)
    return result


def _json_safe(value: Any) -> Any:
    """Replace non-finite floats (invalid JSON) by ``None``, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def _write_result(out: Path, result: dict[str, Any]) -> None:
    """Write ``result.json``."""
    text = json.dumps(_json_safe(result), default=str, allow_nan=False)
    (out / "result.json").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run one job in a fresh process: ``python -m renderer.runtime.blender_job IN OUT``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("out_dir")
    parser.add_argument("--settings", default="{}", help="JSON overriding RenderConfig fields")
    args = parser.parse_args(argv)
    from .config import RenderConfig

    settings = RenderConfig().job_settings()
    settings.update(json.loads(args.settings))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    reset_scene()
    startup = time.perf_counter() - started
    run_job(os.path.abspath(args.input), args.out_dir, settings, timings={"startup": startup})
    return 0


if __name__ == "__main__":
    sys.exit(main())
