"""Shape metrics between two meshes: Chamfer distance, F-score, normal consistency.

The Chamfer distance follows the reference benchmark's definition:

1. sample ``n`` points (default 8192) on each surface, area-weighted, with a
   fixed seed;
2. centre each cloud on its mean and scale it so that its farthest point lies
   at distance 1 (so the metric ignores position and size);
3. ``CD(A, B) = mean_a min_b |a - b|^2 + mean_b min_a |a - b|^2`` (the *sum*
   of the two directional means of squared nearest-neighbour distances);
4. report it at yaw 0 and as the minimum over yaw rotations of 0, 90, 180
   and 270 degrees applied to the generated cloud.

F-score and normal consistency are read off the same samples at the best yaw.
Everything here works on NumPy arrays; only :func:`load_surface` reads files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import trimesh

from metrics.nearest import PointIndex

YawAxis = Literal["y", "z"]

DEFAULT_POINTS = 8192
DEFAULT_SEED = 0
DEFAULT_FSCORE_THRESHOLD = 0.05
YAW_ANGLES_DEG = (0, 90, 180, 270)


class MeshLoadError(ValueError):
    """A mesh file is missing or cannot be read as a 3D scene."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        super().__init__(f"{self.path}: {message}")


class NoSurfaceError(MeshLoadError):
    """A mesh file holds no triangle with a non-zero area.

    Edge-only assets (GLB ``LINES``/``POINTS`` primitives) land here: a
    surface metric is undefined for them, which is not the same as a failure
    to read the file.
    """


@dataclass(frozen=True)
class SurfaceSamples:
    """Points sampled on a surface, with the normal of the face each lies on.

    Attributes
    ----------
    points : numpy.ndarray
        ``(n, 3)`` float64 sample positions.
    normals : numpy.ndarray
        ``(n, 3)`` float64 unit face normals, one per sample.
    """

    points: np.ndarray
    normals: np.ndarray


@dataclass(frozen=True)
class GeometryMetrics:
    """Shape metrics of a generated mesh against a reference mesh.

    Every metric is ``None`` when it is undefined, and ``reason`` says why
    (for instance, an edge-only asset has no surface to sample).

    Attributes
    ----------
    chamfer : float or None
        Chamfer distance with no rotation (lower is better, 0 for identical
        shapes).
    chamfer_yaw_min : float or None
        Minimum Chamfer distance over the yaw rotations of the generated cloud.
    best_yaw_deg : int or None
        Rotation (degrees, right-handed about ``yaw_axis``) applied to the
        generated cloud that gives ``chamfer_yaw_min``.
    fscore, precision, recall : float or None
        At the best yaw: precision is the fraction of generated points within
        ``fscore_threshold`` of the reference, recall the fraction of
        reference points within it of the generated cloud, and the F-score
        their harmonic mean.
    normal_consistency : float or None
        At the best yaw: mean absolute cosine between each sample's face
        normal and its nearest neighbour's, averaged over both directions.
    points : int
        Samples per mesh.
    fscore_threshold : float
        Distance threshold of the F-score, in the normalised frame where each
        cloud fits the unit sphere.
    yaw_axis : str
        Axis of the yaw rotations, ``"y"`` or ``"z"``.
    reason : str or None
        Why the metrics are undefined, else ``None``.
    """

    chamfer: float | None
    chamfer_yaw_min: float | None
    best_yaw_deg: int | None
    fscore: float | None
    precision: float | None
    recall: float | None
    normal_consistency: float | None
    points: int
    fscore_threshold: float
    yaw_axis: str
    reason: str | None = None

    @property
    def defined(self) -> bool:
        """Whether the metrics could be computed."""
        return self.reason is None

    def as_dict(self) -> dict[str, Any]:
        """Return the metrics as a JSON-ready dictionary."""
        return asdict(self)


def undefined_metrics(
    reason: str,
    *,
    points: int = DEFAULT_POINTS,
    fscore_threshold: float = DEFAULT_FSCORE_THRESHOLD,
    yaw_axis: YawAxis = "y",
) -> GeometryMetrics:
    """Return metrics that are all ``None``, with the reason."""
    return GeometryMetrics(
        chamfer=None,
        chamfer_yaw_min=None,
        best_yaw_deg=None,
        fscore=None,
        precision=None,
        recall=None,
        normal_consistency=None,
        points=points,
        fscore_threshold=fscore_threshold,
        yaw_axis=yaw_axis,
        reason=reason,
    )


def load_surface(path: str | Path) -> trimesh.Trimesh:
    """Read a mesh file and return all its triangles as one mesh.

    Every node's transform is applied and every triangle primitive is kept;
    lines and points (which trimesh loads as paths and point clouds) are
    dropped because they have no surface.

    Parameters
    ----------
    path : str or pathlib.Path
        A GLB/glTF file, or any format trimesh reads.

    Returns
    -------
    trimesh.Trimesh
        The concatenated triangles, in the file's own frame.

    Raises
    ------
    MeshLoadError
        If the file is missing, is not a readable 3D file or has a vertex
        that is not finite.
    NoSurfaceError
        If it holds no triangle with a non-zero area.
    """
    path = Path(path)
    if not path.is_file():
        raise MeshLoadError(path, "file not found")
    try:
        # process=False keeps the triangles as written: merging vertices
        # changes nothing we measure and costs time on large assets.
        scene = trimesh.load(path, force="scene", process=False)
    except Exception as exc:  # trimesh raises many types for a bad file
        raise MeshLoadError(path, f"not a readable mesh ({exc})") from exc
    if not isinstance(scene, trimesh.Scene):
        raise MeshLoadError(path, f"not a 3D scene ({type(scene).__name__})")
    parts = [geometry for geometry in scene.dump() if isinstance(geometry, trimesh.Trimesh) and len(geometry.faces) > 0]
    if not parts:
        raise NoSurfaceError(path, "no triangles (edge-only or point-only geometry)")
    mesh = parts[0] if len(parts) == 1 else _concatenate(parts)
    if not np.isfinite(mesh.vertices).all():
        raise MeshLoadError(path, "vertex coordinates include NaN or infinity")
    if not float(mesh.area) > 0.0:
        raise NoSurfaceError(path, "triangles have zero total area")
    return mesh


def _concatenate(meshes: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    combined = trimesh.util.concatenate(meshes)
    assert isinstance(combined, trimesh.Trimesh)
    return combined


def sample_surface(mesh: trimesh.Trimesh, count: int = DEFAULT_POINTS, *, seed: int = DEFAULT_SEED) -> SurfaceSamples:
    """Sample points uniformly by area on a mesh, with a fixed seed.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Mesh with a non-zero area.
    count : int
        Number of samples.
    seed : int
        Seed of the sampler; the same seed gives the same samples.

    Returns
    -------
    SurfaceSamples
    """
    points, face_index = trimesh.sample.sample_surface(mesh, count, seed=seed)
    normals = np.asarray(mesh.face_normals, dtype=np.float64)[face_index]
    return SurfaceSamples(np.asarray(points, dtype=np.float64), normals)


def normalise_points(points: np.ndarray) -> np.ndarray:
    """Centre points on their mean and scale the farthest to distance 1.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, 3)`` points, not all equal.

    Returns
    -------
    numpy.ndarray
        The normalised ``(n, 3)`` points.

    Raises
    ------
    ValueError
        If all points coincide (the scale is undefined).
    """
    centred = points - points.mean(axis=0)
    radius = float(np.sqrt((centred**2).sum(axis=1).max()))
    if not radius > 0.0:
        raise ValueError("all points coincide: the scale is undefined")
    return centred / radius


def yaw_rotation(angle_deg: int, axis: YawAxis = "y") -> np.ndarray:
    """Return the right-handed rotation matrix by a multiple of 90 degrees.

    The entries are exact integers, so that a rotation by 360 degrees in four
    steps gives back the very same points (no rounding from ``cos(pi/2)``).

    Parameters
    ----------
    angle_deg : int
        A multiple of 90.
    axis : {"y", "z"}
        Rotation axis.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` rotation matrix acting on column vectors.
    """
    if angle_deg % 90:
        raise ValueError(f"yaw must be a multiple of 90 degrees, got {angle_deg}")
    cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[angle_deg % 360]
    if axis == "y":
        return np.array([[cos, 0, sin], [0, 1, 0], [-sin, 0, cos]], dtype=np.float64)
    if axis == "z":
        return np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]], dtype=np.float64)
    raise ValueError(f"yaw axis must be 'y' or 'z', got {axis!r}")


def fscore_from_distances(
    generated_to_reference: np.ndarray,
    reference_to_generated: np.ndarray,
    threshold: float,
) -> tuple[float, float, float]:
    """Return ``(fscore, precision, recall)`` from nearest-neighbour distances.

    Parameters
    ----------
    generated_to_reference : numpy.ndarray
        Distance from each generated point to the nearest reference point.
    reference_to_generated : numpy.ndarray
        Distance from each reference point to the nearest generated point.
    threshold : float
        A point within this distance counts as matched.

    Returns
    -------
    tuple of float
        F-score (0 when precision and recall are both 0), precision, recall.
    """
    precision = float(np.mean(generated_to_reference <= threshold))
    recall = float(np.mean(reference_to_generated <= threshold))
    total = precision + recall
    fscore = 2.0 * precision * recall / total if total > 0.0 else 0.0
    return fscore, precision, recall


# Below this many points per cloud, exact queries at every yaw are cheap
# enough that bounding them first does not pay.
_BOUND_MIN_POINTS = 2048
_BOUND_COARSE_POINTS = 1024
# Guards the skip test against rounding in the bound's arithmetic.
_BOUND_SLACK = 1e-9


@dataclass(frozen=True)
class _Match:
    """Nearest-neighbour distances and indices both ways at one yaw."""

    chamfer: float
    gen_squared: np.ndarray
    gen_index: np.ndarray
    ref_squared: np.ndarray
    ref_index: np.ndarray


def _match(gen: PointIndex, ref: PointIndex, rotation: np.ndarray) -> _Match:
    """Exact nearest neighbours both ways with the generated cloud rotated by ``rotation``."""
    # Distances are invariant under a common rotation, so the reference
    # rotated by R^-1 can query the unrotated generated cloud: each cloud is
    # indexed once for every yaw.
    gen_squared, gen_index = ref.nearest(gen, rotation)
    ref_squared, ref_index = gen.nearest(ref, rotation.T)
    chamfer = float(np.mean(gen_squared) + np.mean(ref_squared))
    return _Match(chamfer, gen_squared, gen_index, ref_squared, ref_index)


class _CoarseBound:
    """Cheap lower bounds on the Chamfer distance at each yaw.

    Each cloud ``P`` gets a coarse subset ``P_s``. For a point ``p`` whose
    nearest coarse point is ``p_s`` (at distance ``delta_p``) and a target
    cloud ``Q`` covered by ``Q_s`` within radius ``r_Q``, the triangle
    inequality gives ``d(Rp, Q) >= d(Rp_s, Q_s) - delta_p - r_Q``. Squaring
    the positive part and averaging bounds each directional term from below,
    at the cost of a query between two small clouds.

    A yaw whose bound already exceeds the best exact distance found cannot
    be the minimum, so its two exact (and, for mismatched shapes, slow)
    queries are skipped. Exact values are unchanged by this.
    """

    def __init__(self, gen: PointIndex, ref: PointIndex, size: int) -> None:
        self.gen = _CoarseCloud(gen, size)
        self.ref = _CoarseCloud(ref, size)

    def lower(self, rotation: np.ndarray) -> float:
        gen_to_ref = np.sqrt(self.ref.index.nearest(self.gen.index, rotation)[0])
        ref_to_gen = np.sqrt(self.gen.index.nearest(self.ref.index, rotation.T)[0])
        return self.gen.bound(gen_to_ref, self.ref.cover) + self.ref.bound(ref_to_gen, self.gen.cover)


class _CoarseCloud:
    """A strided subset of a cloud, with how far each full point lies from it."""

    def __init__(self, full: PointIndex, size: int) -> None:
        self.index = PointIndex(full.points[:: max(1, len(full) // size)])
        squared, self.owner = self.index.nearest(full)
        self.offset = np.sqrt(squared)
        self.cover = float(self.offset.max())

    def bound(self, coarse_distance: np.ndarray, target_cover: float) -> float:
        """Lower bound on the mean squared distance from the full cloud."""
        gap = np.maximum(coarse_distance[self.owner] - self.offset - target_cover, 0.0)
        return float(np.mean(gap**2))


def _best_yaw(gen_points: np.ndarray, ref_points: np.ndarray, yaw_axis: YawAxis) -> tuple[_Match, int, _Match]:
    """Return the match at yaw 0, the best yaw and the match there."""
    gen, ref = PointIndex(gen_points), PointIndex(ref_points)
    at_zero = _match(gen, ref, yaw_rotation(0, yaw_axis))
    best_angle, best = 0, at_zero
    others = [a for a in YAW_ANGLES_DEG if a != 0]
    lower = {angle: 0.0 for angle in others}
    if min(len(gen_points), len(ref_points)) >= _BOUND_MIN_POINTS:
        bound = _CoarseBound(gen, ref, _BOUND_COARSE_POINTS)
        lower = {angle: bound.lower(yaw_rotation(angle, yaw_axis)) for angle in others}
    # Most promising first, so that the best so far prunes the rest sooner.
    for angle in sorted(others, key=lambda a: (lower[a], a)):
        if lower[angle] * (1.0 - _BOUND_SLACK) >= best.chamfer:
            continue
        match = _match(gen, ref, yaw_rotation(angle, yaw_axis))
        # Ties go to the smaller angle, whatever order they were tried in.
        if (match.chamfer, angle) < (best.chamfer, best_angle):
            best_angle, best = angle, match
    return at_zero, best_angle, best


def compare_samples(
    generated: SurfaceSamples,
    reference: SurfaceSamples,
    *,
    yaw_axis: YawAxis = "y",
    fscore_threshold: float = DEFAULT_FSCORE_THRESHOLD,
) -> GeometryMetrics:
    """Compare two sets of surface samples.

    Both clouds are normalised (mean-centred, farthest point at 1). Each is
    indexed once for exact nearest-neighbour search
    (:class:`metrics.nearest.PointIndex`), whatever the number of
    yaws, and a yaw is evaluated exactly only if a cheap lower bound does not
    already rule it out; the results are those of the plain definition.

    Parameters
    ----------
    generated, reference : SurfaceSamples
        Samples of the generated and of the reference mesh (any number of
        points each, not all coincident).
    yaw_axis : {"y", "z"}
        Axis of the yaw search. ``"y"`` is the vertical axis of the glTF
        frame; ``"z"`` reproduces the reference benchmark's code.
    fscore_threshold : float
        F-score distance threshold in the normalised frame.

    Returns
    -------
    GeometryMetrics
    """
    if yaw_axis not in ("y", "z"):
        raise ValueError(f"yaw axis must be 'y' or 'z', got {yaw_axis!r}")
    gen_points = normalise_points(generated.points)
    ref_points = normalise_points(reference.points)
    at_zero, best_angle, best = _best_yaw(gen_points, ref_points, yaw_axis)

    fscore, precision, recall = fscore_from_distances(
        np.sqrt(best.gen_squared), np.sqrt(best.ref_squared), fscore_threshold
    )
    gen_normals = generated.normals @ yaw_rotation(best_angle, yaw_axis).T
    # Face normals are orientation-sensitive; the absolute cosine forgives
    # flipped winding, which generated scripts often get wrong.
    cos_gen = np.abs(np.sum(gen_normals * reference.normals[best.gen_index], axis=1))
    cos_ref = np.abs(np.sum(reference.normals * gen_normals[best.ref_index], axis=1))
    normal_consistency = 0.5 * (float(cos_gen.mean()) + float(cos_ref.mean()))

    return GeometryMetrics(
        chamfer=at_zero.chamfer,
        chamfer_yaw_min=best.chamfer,
        best_yaw_deg=best_angle,
        fscore=fscore,
        precision=precision,
        recall=recall,
        normal_consistency=normal_consistency,
        points=int(min(len(gen_points), len(ref_points))),
        fscore_threshold=fscore_threshold,
        yaw_axis=yaw_axis,
    )


def compare_meshes(
    generated: trimesh.Trimesh,
    reference: trimesh.Trimesh,
    *,
    points: int = DEFAULT_POINTS,
    seed: int = DEFAULT_SEED,
    yaw_axis: YawAxis = "y",
    fscore_threshold: float = DEFAULT_FSCORE_THRESHOLD,
) -> GeometryMetrics:
    """Sample two meshes with the same seed and compare the samples.

    Parameters
    ----------
    generated, reference : trimesh.Trimesh
        Meshes with a non-zero area.
    points : int
        Samples per mesh.
    seed : int
        Sampler seed, used for both meshes.
    yaw_axis : {"y", "z"}
        Axis of the yaw search.
    fscore_threshold : float
        F-score distance threshold in the normalised frame.

    Returns
    -------
    GeometryMetrics
    """
    return compare_samples(
        sample_surface(generated, points, seed=seed),
        sample_surface(reference, points, seed=seed),
        yaw_axis=yaw_axis,
        fscore_threshold=fscore_threshold,
    )


def compare_mesh_files(
    generated: str | Path,
    reference: str | Path,
    *,
    points: int = DEFAULT_POINTS,
    seed: int = DEFAULT_SEED,
    yaw_axis: YawAxis = "y",
    fscore_threshold: float = DEFAULT_FSCORE_THRESHOLD,
) -> GeometryMetrics:
    """Compare two mesh files, e.g. an asset's ``mesh.glb`` and its reference's.

    Parameters
    ----------
    generated, reference : str or pathlib.Path
        Paths of the generated and the reference mesh.
    points, seed, yaw_axis, fscore_threshold
        As for :func:`compare_meshes`.

    Returns
    -------
    GeometryMetrics
        With every metric ``None`` and a ``reason`` naming the file when
        either file has no surface (for instance, an edge-only asset).

    Raises
    ------
    MeshLoadError
        If a file is missing or unreadable.
    """
    meshes: list[trimesh.Trimesh] = []
    reasons: list[str] = []
    # Read both before giving up, so that a missing reference is reported as
    # an error even when the generated asset is edge-only.
    for path in (generated, reference):
        try:
            meshes.append(load_surface(path))
        except NoSurfaceError as exc:
            reasons.append(str(exc))
    if reasons:
        return undefined_metrics(
            "; ".join(reasons),
            points=points,
            fscore_threshold=fscore_threshold,
            yaw_axis=yaw_axis,
        )
    return compare_meshes(
        meshes[0],
        meshes[1],
        points=points,
        seed=seed,
        yaw_axis=yaw_axis,
        fscore_threshold=fscore_threshold,
    )
