"""Exact nearest neighbours between two point clouds, compiled with Numba.

The Chamfer distance needs, for every point of one cloud, its nearest point
in the other, for four yaws and both directions. A general k-d tree visits
its nodes depth first; when two shapes do not match (a chair inside a
sphere), most queries lie far from the other surface, and a depth-first
search looks at many leaves before it finds a near one and can prune.

This module groups the work by leaves instead:

1. Each cloud is split by median cuts along its widest axis into leaves of
   at most ``LEAF_SIZE`` points, stored coordinate by coordinate and padded
   to exactly ``LEAF_SIZE`` (with points too far away to ever be nearest), so
   that the distance loop over a leaf is a fixed-length loop the compiler
   vectorises. Each leaf keeps its axis-aligned bounding box and, as seen
   from the origin, the cone of its directions and its range of radii.
2. The query cloud is split the same way. For each query leaf, every target
   leaf gets a lower bound: the distance between the two boxes. The closest
   target leaf gives every query of the leaf a first candidate, and so an
   upper bound for the whole query leaf; only target leaves whose bound is
   below it can matter. For those, a second lower bound comes from the
   cones: points whose directions are at least an angle ``b`` apart, at
   radii within known ranges, are at least a computable distance apart.
   This is what separates a query near the centre of a round target from
   the far side of the target, which boxes cannot (all boxes of a sphere's
   surface come about equally close to its centre). The candidates are
   sorted by the larger bound once for the whole query leaf.
3. Each query then walks that sorted list, stops at the first leaf whose
   bound reaches its best distance so far, and skips a leaf whose box is
   farther than that from the point itself.

The cones are taken from the origin, so they help most for clouds centred
there, as the Chamfer metric's normalised clouds are; elsewhere they prune
less and the results are the same.

The search is exact, not approximate. The box tests use the same
floating-point operations as the distances they bound (a difference, a
square, a sum, in the same order, with no fused multiply-add), and rounding
is monotonic, so a box can never come out farther than a point inside it.
The cone bounds use other operations, so they are lowered by a margin
(``_CONE_SLACK``, relative) far above their rounding error. A pruned leaf
can therefore never hold a point nearer than the one found, and the results
are the brute-force results: the tests check distances bit for bit.

Everything here takes and returns NumPy arrays and works without Django.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numba import njit  # type: ignore[import-untyped]

_Function = TypeVar("_Function", bound=Callable[..., Any])

LEAF_SIZE = 32

# Padding coordinate: its squared distance (about 1e200) stays finite and
# larger than any real one, so a padding slot is never nearest.
_FAR = 1e100
# Start of a minimum search, above any real or padding distance.
_HUGE = 1e300
# No NaN reaches the kernels (PointIndex checks its input), and the sign of a
# zero does not matter; both let min/max compile to vector instructions.
# Reassociation and contraction stay off: the pruning tests depend on the
# distances being computed in a fixed order (see the module docstring).
_FASTMATH = {"nnan", "nsz"}
# Relative widening of the cone bounds, far above their rounding error.
_CONE_SLACK = 1e-9
# How far from orthogonal a rotation may be; far below _CONE_SLACK.
_ORTHOGONAL_TOLERANCE = 1e-12


_NO_CACHE_WARNING = (
    "Numba finds no writable cache directory (next to metrics/nearest.py, the user's cache "
    "directory or NUMBA_CACHE_DIR): the nearest-neighbour kernels are compiled in every process"
)


def _compiled(**options: Any) -> Callable[[_Function], _Function]:
    """Compile with Numba, keeping the machine code on disk where Numba can write.

    Numba caches next to this module or in the user's cache directory (or in
    ``NUMBA_CACHE_DIR``). Where none is writable (a read-only installation),
    each process compiles the kernels again instead of failing to import.
    """

    def decorate(function: _Function) -> _Function:
        try:
            return njit(cache=True, **options)(function)  # type: ignore[no-any-return]
        except RuntimeError:  # Numba: "cannot cache function ...: no locator available"
            # One message for all kernels (same text, same line: shown once).
            warnings.warn(_NO_CACHE_WARNING, stacklevel=1)
            return njit(**options)(function)  # type: ignore[no-any-return]

    return decorate


@_compiled()
def _select(keys: np.ndarray, order: np.ndarray, start: int, stop: int, middle: int) -> None:
    """Reorder ``order[start:stop]`` so that ``order[middle]`` holds the median key.

    Keys of ``order[start:middle]`` end up no larger, and those of
    ``order[middle:stop]`` no smaller (Hoare's quickselect).
    """
    left, right = start, stop - 1
    while right > left:
        pivot = keys[order[(left + right) // 2]]
        i, j = left, right
        while i <= j:
            while keys[order[i]] < pivot:
                i += 1
            while keys[order[j]] > pivot:
                j -= 1
            if i <= j:
                order[i], order[j] = order[j], order[i]
                i += 1
                j -= 1
        if middle <= j:
            right = j
        elif middle >= i:
            left = i
        else:
            return


@_compiled()
def _leaves(points: np.ndarray, leaf_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Split points into leaves by median cuts along the widest axis.

    Returns the permutation that puts each leaf's points together, and the
    ``(start, stop)`` range of every leaf in it. Sibling leaves come out next
    to each other, so neighbouring leaves are near in space.
    """
    count = points.shape[0]
    order = np.arange(count)
    keys = np.empty(count)
    ranges = np.empty((2 * (count // leaf_size) + 2, 2), np.int64)
    stack = np.empty((128, 2), np.int64)
    stack[0, 0], stack[0, 1] = 0, count
    depth, leaves = 1, 0
    while depth > 0:
        depth -= 1
        start, stop = stack[depth, 0], stack[depth, 1]
        if stop - start <= leaf_size:
            ranges[leaves, 0], ranges[leaves, 1] = start, stop
            leaves += 1
            continue
        axis, widest = 0, -1.0
        for a in range(3):
            low, high = _HUGE, -_HUGE
            for k in range(start, stop):
                value = points[order[k], a]
                low, high = min(low, value), max(high, value)
            if high - low > widest:
                axis, widest = a, high - low
        for k in range(start, stop):
            keys[order[k]] = points[order[k], axis]
        middle = (start + stop) // 2
        _select(keys, order, start, stop, middle)
        stack[depth, 0], stack[depth, 1] = middle, stop
        stack[depth + 1, 0], stack[depth + 1, 1] = start, middle
        depth += 2
    return order, ranges[:leaves].copy()


@_compiled()
def _pack(points: np.ndarray, order: np.ndarray, ranges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Copy each leaf into ``(leaves, 3, LEAF_SIZE)`` coordinates and its point indices.

    Unused slots get ``_FAR`` coordinates and index -1.
    """
    leaves = ranges.shape[0]
    packed = np.full((leaves, 3, LEAF_SIZE), _FAR)
    slots = np.full((leaves, LEAF_SIZE), -1, np.int64)
    for leaf in range(leaves):
        for k in range(ranges[leaf, 0], ranges[leaf, 1]):
            slot, point = k - ranges[leaf, 0], order[k]
            slots[leaf, slot] = point
            for a in range(3):
                packed[leaf, a, slot] = points[point, a]
    return packed, slots


@_compiled()
def _boxes(packed: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper corners of every leaf's box, as ``(3, leaves)`` arrays."""
    leaves = packed.shape[0]
    low = np.full((3, leaves), _HUGE)
    high = np.full((3, leaves), -_HUGE)
    for leaf in range(leaves):
        for slot in range(LEAF_SIZE):
            if slots[leaf, slot] >= 0:
                for a in range(3):
                    value = packed[leaf, a, slot]
                    low[a, leaf] = min(low[a, leaf], value)
                    high[a, leaf] = max(high[a, leaf], value)
    return low, high


@_compiled()
def _cones(packed: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Every leaf as seen from the origin: the cone of its directions and its range of radii.

    Returns ``(leaves, 7)`` rows ``(ux, uy, uz, cos_a, sin_a, r_min, r_max)``:
    every point of the leaf lies between ``r_min`` and ``r_max`` from the
    origin, in a direction within angle ``a`` of the unit axis ``u``. All are
    widened a little, so that rounding here can only loosen a bound.
    """
    leaves = packed.shape[0]
    cones = np.zeros((leaves, 7))
    for leaf in range(leaves):
        sx = sy = sz = 0.0
        r_min, r_max = _HUGE, 0.0
        for slot in range(LEAF_SIZE):
            if slots[leaf, slot] < 0:
                continue
            dx = packed[leaf, 0, slot]
            dy = packed[leaf, 1, slot]
            dz = packed[leaf, 2, slot]
            r = np.sqrt(dx * dx + dy * dy + dz * dz)
            r_min, r_max = min(r_min, r), max(r_max, r)
            if r > 0.0:
                sx, sy, sz = sx + dx / r, sy + dy / r, sz + dz / r
        norm = np.sqrt(sx * sx + sy * sy + sz * sz)
        cos_a = -1.0  # a point at the origin has every direction
        if norm > 0.0 and r_min > 0.0:
            sx, sy, sz = sx / norm, sy / norm, sz / norm
            cos_a = 1.0
            for slot in range(LEAF_SIZE):
                if slots[leaf, slot] >= 0:
                    dx = packed[leaf, 0, slot]
                    dy = packed[leaf, 1, slot]
                    dz = packed[leaf, 2, slot]
                    cos_a = min(cos_a, (dx * sx + dy * sy + dz * sz) / np.sqrt(dx * dx + dy * dy + dz * dz))
            cos_a = max(cos_a - _CONE_SLACK, -1.0)
        cones[leaf, 0], cones[leaf, 1], cones[leaf, 2] = sx, sy, sz
        cones[leaf, 3], cones[leaf, 4] = cos_a, np.sqrt(max(0.0, 1.0 - cos_a * cos_a))
        cones[leaf, 5], cones[leaf, 6] = r_min * (1.0 - _CONE_SLACK), r_max * (1.0 + _CONE_SLACK)
    return cones


@_compiled(fastmath=_FASTMATH, inline="always")
def _squared_apart(t: float, r: float, cos_b: float) -> float:
    """``t^2 + r^2 - 2 t r cos_b``, as two non-negative terms (no cancellation)."""
    radial = r - t * cos_b
    return radial * radial + t * t * max(0.0, 1.0 - cos_b * cos_b)


@_compiled(fastmath=_FASTMATH, inline="always")
def _radial_bound(cos_b: float, t_low: float, t_high: float, r_low: float, r_high: float) -> float:
    """Smallest squared distance between points at radii ``t`` and ``r`` whose directions are ``b`` apart.

    Over ``t`` in ``[t_low, t_high]`` and ``r`` in ``[r_low, r_high]``. The
    function is convex and smallest at the origin, so its minimum over the
    box lies on an edge, where it is a one-variable quadratic. The result is
    lowered by a margin far above its rounding error.
    """
    lower = min(
        min(
            _squared_apart(t_low, min(max(t_low * cos_b, r_low), r_high), cos_b),
            _squared_apart(t_high, min(max(t_high * cos_b, r_low), r_high), cos_b),
        ),
        min(
            _squared_apart(min(max(r_low * cos_b, t_low), t_high), r_low, cos_b),
            _squared_apart(min(max(r_high * cos_b, t_low), t_high), r_high, cos_b),
        ),
    )
    return lower * (1.0 - _CONE_SLACK) - _CONE_SLACK * (t_high * t_high + r_high * r_high)


@_compiled(fastmath=_FASTMATH, inline="always")
def _cones_bound(query: np.ndarray, target: np.ndarray) -> float:
    """Lower bound on the squared distance between the points of two leaves' cones."""
    # The directions are at least b = angle(axes) - a_query - a_target apart.
    cos_a = query[3] * target[3] - query[4] * target[4]
    sin_a = query[4] * target[3] + query[3] * target[4]
    cos_t = min(max(query[0] * target[0] + query[1] * target[1] + query[2] * target[2], -1.0), 1.0)
    cos_b = 1.0
    if sin_a >= 0.0 and cos_t < cos_a:
        cos_b = cos_t * cos_a + np.sqrt(1.0 - cos_t * cos_t) * sin_a
    return _radial_bound(cos_b, query[5], query[6], target[5], target[6])


@_compiled(fastmath=_FASTMATH, inline="always")
def _gap(low: float, high: float, value: float) -> float:
    """How far ``value`` lies outside ``[low, high]`` (0 inside)."""
    return max(low - value, value - high, 0.0)


@_compiled(fastmath=_FASTMATH, inline="always")
def _leaf_min(leaf: np.ndarray, x: float, y: float, z: float, scratch: np.ndarray) -> float:
    """Smallest squared distance from ``(x, y, z)`` to a packed leaf."""
    xs, ys, zs = leaf[0], leaf[1], leaf[2]
    # Two loops: the first (distances into a buffer) vectorises, where one
    # loop carrying the minimum does not.
    for k in range(LEAF_SIZE):
        dx, dy, dz = xs[k] - x, ys[k] - y, zs[k] - z
        scratch[k] = dx * dx + dy * dy + dz * dz
    best = scratch[0]
    for k in range(1, LEAF_SIZE):
        best = min(best, scratch[k])
    return best


@_compiled(fastmath=_FASTMATH, inline="always")
def _slot_at(leaf: np.ndarray, x: float, y: float, z: float, squared: float) -> int:
    """First slot of a leaf at exactly ``squared`` from ``(x, y, z)``."""
    for k in range(LEAF_SIZE):
        dx, dy, dz = leaf[0, k] - x, leaf[1, k] - y, leaf[2, k] - z
        if dx * dx + dy * dy + dz * dz == squared:
            return k
    return 0  # unreachable: ``squared`` was computed from one of these slots


@_compiled(fastmath=_FASTMATH)
def _nearest(
    queries: np.ndarray,
    query_slots: np.ndarray,
    targets: np.ndarray,
    target_slots: np.ndarray,
    target_low: np.ndarray,
    target_high: np.ndarray,
    query_cones: np.ndarray,
    target_cones: np.ndarray,
    squared_out: np.ndarray,
    index_out: np.ndarray,
) -> None:
    """For every query point, the squared distance to and index of its nearest target."""
    query_low, query_high = _boxes(queries, query_slots)
    target_leaves = targets.shape[0]
    bound = np.empty(target_leaves)
    first = np.empty(LEAF_SIZE)
    scratch = np.empty(LEAF_SIZE)
    for block in range(queries.shape[0]):
        # Lower bound for every target leaf: distance between the boxes.
        for leaf in range(target_leaves):
            gx = max(target_low[0, leaf] - query_high[0, block], query_low[0, block] - target_high[0, leaf], 0.0)
            gy = max(target_low[1, leaf] - query_high[1, block], query_low[1, block] - target_high[1, leaf], 0.0)
            gz = max(target_low[2, leaf] - query_high[2, block], query_low[2, block] - target_high[2, leaf], 0.0)
            bound[leaf] = gx * gx + gy * gy + gz * gz
        # The closest leaf's distances bound every query of the block from above.
        closest = np.argmin(bound)
        upper = 0.0
        for slot in range(LEAF_SIZE):
            if query_slots[block, slot] >= 0:
                x, y, z = queries[block, 0, slot], queries[block, 1, slot], queries[block, 2, slot]
                first[slot] = _leaf_min(targets[closest], x, y, z, scratch)
                upper = max(upper, first[slot])
        candidates = np.nonzero(bound < upper)[0]
        # Boxes say little about a cloud around a query leaf; directions seen
        # from the target's centre say more (a chair inside a sphere).
        for leaf in candidates:
            bound[leaf] = max(bound[leaf], _cones_bound(query_cones[block], target_cones[leaf]))
        candidates = candidates[bound[candidates] < upper]
        candidates = candidates[np.argsort(bound[candidates])]
        for slot in range(LEAF_SIZE):
            point = query_slots[block, slot]
            if point < 0:
                continue
            x, y, z = queries[block, 0, slot], queries[block, 1, slot], queries[block, 2, slot]
            best, best_leaf = first[slot], closest
            for leaf in candidates:
                if bound[leaf] >= best:
                    break  # sorted: no later leaf can come closer either
                if leaf == closest:
                    continue
                gx = _gap(target_low[0, leaf], target_high[0, leaf], x)
                gy = _gap(target_low[1, leaf], target_high[1, leaf], y)
                gz = _gap(target_low[2, leaf], target_high[2, leaf], z)
                if gx * gx + gy * gy + gz * gz >= best:
                    continue
                squared = _leaf_min(targets[leaf], x, y, z, scratch)
                if squared < best:
                    best, best_leaf = squared, leaf
            squared_out[point] = best
            index_out[point] = target_slots[best_leaf, _slot_at(targets[best_leaf], x, y, z, best)]


class PointIndex:
    """A point cloud prepared for exact nearest-neighbour search.

    The same index serves as the target of a search and as the set of
    queries of another, so two clouds compared at several rotations are
    prepared once each.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, 3)`` finite coordinates, ``n >= 1``.

    Raises
    ------
    ValueError
        If ``points`` is not ``(n, 3)``, is empty or holds a NaN or infinity.
    """

    def __init__(self, points: np.ndarray) -> None:
        points = np.ascontiguousarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 3:
            raise ValueError(f"points must have shape (n, 3), got {points.shape}")
        if len(points) == 0:
            raise ValueError("points must not be empty")
        if not np.isfinite(points).all():
            raise ValueError("points must be finite (found NaN or infinity)")
        if np.abs(points).max() > 1e50:
            raise ValueError("points must lie within 1e50 of the origin")
        self.points = points
        order, ranges = _leaves(points, LEAF_SIZE)
        self._packed, self._slots = _pack(points, order, ranges)
        self._low, self._high = _boxes(self._packed, self._slots)
        self._cones = _cones(self._packed, self._slots)

    def __len__(self) -> int:
        return len(self.points)

    def nearest(self, queries: PointIndex, rotation: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Find, for every point of ``queries``, the nearest point of this cloud.

        Parameters
        ----------
        queries : PointIndex
            The query points.
        rotation : numpy.ndarray, optional
            Orthogonal ``(3, 3)`` matrix applied to the query points first
            (``R @ q``).

        Returns
        -------
        squared : numpy.ndarray
            ``(len(queries),)`` squared distances.
        index : numpy.ndarray
            ``(len(queries),)`` indices into this cloud's points. Of points
            at exactly the same distance, one is chosen deterministically.
        """
        packed, cones = queries._packed, queries._cones
        if rotation is not None:
            rotation = np.asarray(rotation, dtype=np.float64)
            if rotation.shape != (3, 3) or not np.isfinite(rotation).all():
                raise ValueError(f"rotation must be a finite (3, 3) matrix, got shape {rotation.shape}")
            # The cone bounds rely on lengths and angles being kept.
            if not np.allclose(rotation @ rotation.T, np.eye(3), rtol=0.0, atol=_ORTHOGONAL_TOLERANCE):
                raise ValueError("rotation must be orthogonal (R @ R.T == I): a scaling or shear is not a rotation")
            packed = np.ascontiguousarray(np.einsum("ab,lbk->lak", rotation, packed))
            # A rotation about the origin turns the cones' axes and keeps their
            # angles and radii.
            cones = cones.copy()
            cones[:, :3] = cones[:, :3] @ rotation.T
        squared = np.empty(len(queries))
        index = np.empty(len(queries), dtype=np.intp)
        _nearest(
            packed, queries._slots, self._packed, self._slots, self._low, self._high, cones, self._cones, squared, index
        )
        return squared, index
