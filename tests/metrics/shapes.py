"""Meshes and files shared by the metrics tests, built with trimesh.creation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
from PIL import Image, ImageDraw

from metrics.images import VIEW_NAMES


def chair() -> trimesh.Trimesh:
    """A chair-like mesh with no yaw symmetry (its back sits on one side)."""
    seat = trimesh.creation.box(extents=[1.0, 0.1, 0.8])
    back = trimesh.creation.box(extents=[1.0, 0.9, 0.1])
    back.apply_translation([0.0, 0.5, -0.35])
    legs = []
    for x in (-0.45, 0.45):
        for z in (-0.35, 0.35):
            leg = trimesh.creation.cylinder(radius=0.05, height=0.7)
            # trimesh builds cylinders along Z; legs stand along Y (glTF up).
            leg.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
            leg.apply_translation([x, -0.4, z])
            legs.append(leg)
    return trimesh.util.concatenate([seat, back, *legs])


def rotated(mesh: trimesh.Trimesh, degrees: float, axis: list[float]) -> trimesh.Trimesh:
    """Return a copy of the mesh rotated about an axis through the origin."""
    copy = mesh.copy()
    copy.apply_transform(trimesh.transformations.rotation_matrix(np.radians(degrees), axis))
    return copy


def write_glb(path: Path, *geometries: trimesh.parent.Geometry) -> Path:
    """Write geometries as one GLB scene and return the path."""
    path.write_bytes(trimesh.Scene(list(geometries)).export(file_type="glb"))
    return path


def edge_only_geometry() -> list[trimesh.parent.Geometry]:
    """An outline and loose points: what a script that builds no faces exports."""
    outline = trimesh.load_path(
        np.array([[[0, 0, 0], [1, 0, 0]], [[1, 0, 0], [1, 1, 0]], [[1, 1, 0], [0, 0, 0]]], float)
    )
    points = trimesh.PointCloud(np.array([[0, 0, 0], [0, 1, 0], [0, 0, 1]], float))
    return [outline, points]


def clay_view(shift: int = 0, size: int = 96, radius: int = 24, shade: int = 184) -> Image.Image:
    """A grey disc with a darker band on a transparent background, like a clay render."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = size // 2 + shift
    box = (centre - radius, size // 2 - radius, centre + radius, size // 2 + radius)
    draw.ellipse(box, fill=(shade, shade, shade + 4, 255))
    draw.rectangle((centre - radius // 2, size // 2 - 4, centre + radius // 2, size // 2 + 4), fill=(90, 90, 94, 255))
    return image


def write_views(directory: Path, shifts: list[int] | None = None, names: tuple[str, ...] = VIEW_NAMES) -> Path:
    """Write one clay view per camera name into a directory and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, shift in zip(names, shifts or [0] * len(names), strict=True):
        clay_view(shift).save(directory / name)
    return directory
