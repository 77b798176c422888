"""Micro-benchmark of the Chamfer metric on one core.

Usage::

    OMP_NUM_THREADS=1 python -m metrics.bench [--points N] [--repeats R]

For several pairs of meshes (8192 samples each, 4 yaw rotations) it times:

- ``compare_samples``: this package's method (each cloud indexed once by
  ``metrics.nearest``, yaws ruled out by a lower bound skipped);
- ``compare_meshes``: the same plus sampling both surfaces;
- a naive method that rotates the generated cloud and builds both trees
  again for every yaw (8 trees);
- on the first pair, a brute-force NumPy method (all pairwise distances);
- then every ordered pair of a dozen primitive shapes (``sweep_shapes``),
  each checked against the naive method: the median, the slowest and how
  many take over 100 ms.

It checks that every method gives the same minimum, and prints milliseconds
per pair: wall time (minimum and median over the repeats) and CPU time
(minimum), the latter least disturbed by other work on the machine.
"""

from __future__ import annotations

import os

# Thread pools are sized when NumPy first loads, so this must come first.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402
import trimesh  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from metrics.geometry import (  # noqa: E402
    YAW_ANGLES_DEG,
    compare_meshes,
    compare_samples,
    normalise_points,
    sample_surface,
    yaw_rotation,
)
from metrics.nearest import PointIndex  # noqa: E402


def naive_chamfer_yaw_min(generated: np.ndarray, reference: np.ndarray) -> float:
    """Rotate the generated cloud and build both trees anew for each yaw."""
    gen, ref = normalise_points(generated), normalise_points(reference)
    values = []
    for angle in YAW_ANGLES_DEG:
        rotated = gen @ yaw_rotation(angle).T
        d_gen, _ = cKDTree(ref).query(rotated)
        d_ref, _ = cKDTree(rotated).query(ref)
        values.append(np.mean(d_gen**2) + np.mean(d_ref**2))
    return float(min(values))


def _brute_chamfer(a: np.ndarray, b: np.ndarray, chunk: int = 1024) -> float:
    # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, one block of rows at a time; both
    # directions come from the same block (row and column minima).
    b_norms = (b**2).sum(axis=1)
    row_min = np.empty(len(a))
    col_min = np.full(len(b), np.inf)
    for start in range(0, len(a), chunk):
        block = a[start : start + chunk]
        squared = (block**2).sum(axis=1)[:, None] + b_norms[None, :] - 2.0 * block @ b.T
        np.maximum(squared, 0.0, out=squared)
        row_min[start : start + chunk] = squared.min(axis=1)
        np.minimum(col_min, squared.min(axis=0), out=col_min)
    return float(row_min.mean() + col_min.mean())


def brute_force_chamfer_yaw_min(generated: np.ndarray, reference: np.ndarray) -> float:
    """All pairwise distances, no tree."""
    gen, ref = normalise_points(generated), normalise_points(reference)
    return min(_brute_chamfer(gen @ yaw_rotation(angle).T, ref) for angle in YAW_ANGLES_DEG)


def _times_ms(run: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Wall time (minimum, median) and CPU time (minimum) of ``repeats`` runs, in ms.

    CPU time is the least disturbed by other processes competing for the core.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return 1000.0 * min(wall), 1000.0 * float(np.median(wall)), 1000.0 * min(cpu)


def _chair(seat: float = 1.0, back_height: float = 1.0, leg_radius: float = 0.05) -> trimesh.Trimesh:
    seat_box = trimesh.creation.box(extents=[seat, 0.1, seat])
    back = trimesh.creation.box(extents=[seat, back_height, 0.1])
    back.apply_translation([0.0, 0.05 + back_height / 2, -0.45 * seat])
    legs = [
        trimesh.creation.cylinder(radius=leg_radius, height=0.8)
        .apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
        .apply_translation([x * seat, -0.4, z * seat])
        for x in (-0.45, 0.45)
        for z in (-0.45, 0.45)
    ]
    return _joined(seat_box, back, *legs)


def _turned(mesh: trimesh.Trimesh, degrees: float) -> trimesh.Trimesh:
    copy = mesh.copy()
    copy.apply_transform(trimesh.transformations.rotation_matrix(np.radians(degrees), [0, 1, 0]))
    return copy


def benchmark_pairs() -> dict[str, tuple[trimesh.Trimesh, trimesh.Trimesh]]:
    """Named (generated, reference) pairs, from typical to worst case.

    The last is a worst case for any exact search: most samples of the chair
    lie near the centre of the sphere, almost equally far from all its samples.
    """
    reference = _chair()
    variant = _chair(seat=1.1, back_height=0.9, leg_radius=0.06)
    blob = trimesh.creation.icosphere(subdivisions=4)
    blob.vertices *= [1.0, 0.6, 1.4]
    return {
        "similar chair, same facing": (variant, reference),
        "similar chair, turned 90 deg": (_turned(variant, 90), reference),
        "ellipsoid vs chair": (blob, reference),
        "sphere vs chair": (trimesh.creation.icosphere(subdivisions=4), reference),
        "small ball with a long spike vs sphere": (_ball_with_spike(), trimesh.creation.icosphere(subdivisions=4)),
    }


def _ball_with_spike() -> trimesh.Trimesh:
    """Most of the surface near the centroid, one thin spike setting the scale.

    Normalised, nearly every sample lies near the centre of the unit sphere,
    almost equally far from all of a round reference's samples: the hardest
    case for an exact search among these shapes.
    """
    ball = trimesh.creation.icosphere(subdivisions=3)
    ball.vertices *= 0.1
    spike = trimesh.creation.cylinder(radius=0.003, height=1.0).apply_translation([0.0, 0.0, 0.5])
    return _joined(ball, spike)


def _joined(*meshes: trimesh.Trimesh) -> trimesh.Trimesh:
    joined = trimesh.util.concatenate(list(meshes))
    assert isinstance(joined, trimesh.Trimesh)
    return joined


def sweep_shapes() -> dict[str, trimesh.Trimesh]:
    """Primitive shapes, from round and closed to thin, flat and scattered.

    Compared in every ordered pair, they cover the geometric situations that
    make an exact search slow: queries inside a closed surface, far from a
    thin one, or spread across scattered parts.
    """
    sphere = trimesh.creation.icosphere(subdivisions=4)

    def moved(mesh: trimesh.Trimesh, scale: float, offset: tuple[float, float, float]) -> trimesh.Trimesh:
        return mesh.copy().apply_scale(scale).apply_translation(offset)

    return {
        "sphere": sphere,
        "box": trimesh.creation.box(),
        "cylinder": trimesh.creation.cylinder(radius=0.3, height=2.0),
        "torus": trimesh.creation.torus(1.0, 0.2),
        "chair": _chair(),
        "cone": trimesh.creation.cone(radius=0.5, height=1.5),
        "ball with spike": _ball_with_spike(),
        "dumbbell": _joined(moved(sphere, 0.1, (-1.0, 0.0, 0.0)), moved(sphere, 0.1, (1.0, 0.0, 0.0))),
        "plate": trimesh.creation.box(extents=[2.0, 0.02, 2.0]),
        "rod": trimesh.creation.cylinder(radius=0.01, height=2.0),
        "sphere and a far cube": _joined(sphere, moved(trimesh.creation.box(), 0.05, (6.0, 0.0, 0.0))),
        "shell with a core": _joined(sphere, moved(sphere, 0.2, (0.0, 0.0, 0.0))),
    }


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


def _row(label: str, times: tuple[float, float, float]) -> str:
    wall_min, wall_median, cpu_min = times
    return f"  {label:<30} wall {wall_min:8.1f} ms min {wall_median:8.1f} ms median | CPU {cpu_min:8.1f} ms min"


def _bench_pair(
    name: str, generated_mesh: trimesh.Trimesh, reference_mesh: trimesh.Trimesh, points: int, repeats: int, brute: bool
) -> None:
    generated = sample_surface(generated_mesh, points, seed=1)
    reference = sample_surface(reference_mesh, points, seed=2)
    fast = compare_samples(generated, reference)
    assert fast.chamfer_yaw_min is not None
    naive = naive_chamfer_yaw_min(generated.points, reference.points)
    if not np.isclose(fast.chamfer_yaw_min, naive, rtol=1e-12, atol=0.0):
        raise AssertionError(f"{name}: methods disagree: {fast.chamfer_yaw_min} vs {naive}")
    print(f"{name}: chamfer {fast.chamfer:.5f}, yaw min {fast.chamfer_yaw_min:.5f} at {fast.best_yaw_deg} deg")
    print(_row("compare_samples", _times_ms(lambda: compare_samples(generated, reference), repeats)))
    sampled = _times_ms(lambda: compare_meshes(generated_mesh, reference_mesh, points=points), repeats)
    print(_row("compare_meshes (+ sampling)", sampled))
    print(
        _row("naive (8 trees)", _times_ms(lambda: naive_chamfer_yaw_min(generated.points, reference.points), repeats))
    )
    if brute:
        value = brute_force_chamfer_yaw_min(generated.points, reference.points)
        if not np.isclose(fast.chamfer_yaw_min, value, rtol=1e-8, atol=1e-12):
            raise AssertionError(f"{name}: brute force disagrees: {fast.chamfer_yaw_min} vs {value}")
        brute_times = _times_ms(lambda: brute_force_chamfer_yaw_min(generated.points, reference.points), 1)
        print(_row("brute force NumPy", brute_times))


def _sweep(points: int, repeats: int) -> None:
    """Time every ordered pair of :func:`sweep_shapes`; check each against the naive method."""
    shapes = sweep_shapes()
    generated = {name: sample_surface(mesh, points, seed=1) for name, mesh in shapes.items()}
    references = {name: sample_surface(mesh, points, seed=2) for name, mesh in shapes.items()}
    timed: list[tuple[float, str]] = []
    for gen_name, gen in generated.items():
        for ref_name, ref in references.items():
            fast = compare_samples(gen, ref)
            assert fast.chamfer_yaw_min is not None
            naive = naive_chamfer_yaw_min(gen.points, ref.points)
            if not np.isclose(fast.chamfer_yaw_min, naive, rtol=1e-12, atol=0.0):
                raise AssertionError(f"{gen_name} vs {ref_name}: methods disagree: {fast.chamfer_yaw_min} vs {naive}")
            cpu_min = _times_ms(partial(compare_samples, gen, ref), repeats)[2]
            timed.append((cpu_min, f"{gen_name} vs {ref_name}"))
    timed.sort(reverse=True)
    values = np.array([ms for ms, _ in timed])
    print(
        f"all {len(timed)} ordered pairs of {len(shapes)} primitive shapes ({', '.join(shapes)}), "
        f"compare_samples, CPU minimum of {repeats}; each pair checked against the naive method:"
    )
    median, p90 = np.median(values), np.percentile(values, 90)
    print(f"  median {median:.1f} ms, 90th percentile {p90:.1f} ms, max {values.max():.1f} ms")
    print(f"  over 100 ms: {int((values > 100.0).sum())} pairs; slowest:")
    for ms, name in timed[:5]:
        print(f"    {ms:6.1f} ms  {name}")


def _first_search_s() -> float:
    start = time.perf_counter()
    index = PointIndex(np.eye(3))
    index.nearest(index)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m metrics.bench")
    parser.add_argument("--points", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--no-brute-force", action="store_true")
    parser.add_argument("--no-sweep", action="store_true", help="skip the sweep over pairs of primitive shapes")
    args = parser.parse_args(argv)

    print(f"{_pin_to_one_core()}; OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}; {args.points} points per mesh")
    print(f"first search in this process (compiles the kernels, or loads Numba's cache): {_first_search_s():.2f} s")
    for index, (name, (generated, reference)) in enumerate(benchmark_pairs().items()):
        brute = index == 0 and not args.no_brute_force
        _bench_pair(name, generated, reference, args.points, args.repeats, brute)
    if not args.no_sweep:
        _sweep(args.points, repeats=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
