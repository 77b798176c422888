"""Exact nearest-neighbour search (metrics.nearest) against brute force."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from metrics.geometry import yaw_rotation
from metrics.nearest import LEAF_SIZE, PointIndex
from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]


def brute_force(targets: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Every pairwise squared distance, summed in the same order as the search."""
    difference = targets[None, :, :] - queries[:, None, :]
    return difference[..., 0] ** 2 + difference[..., 1] ** 2 + difference[..., 2] ** 2


def assert_exact(targets: np.ndarray, queries: np.ndarray, squared: np.ndarray, index: np.ndarray) -> None:
    """Squared distances equal brute force bit for bit, and each index is at that distance."""
    pairwise = brute_force(targets, queries)
    np.testing.assert_array_equal(squared, pairwise.min(axis=1))
    np.testing.assert_array_equal(pairwise[np.arange(len(queries)), index], squared)


def sphere_shell(count: int, seed: int) -> np.ndarray:
    points = np.random.default_rng(seed).normal(size=(count, 3))
    return points / np.linalg.norm(points, axis=1, keepdims=True)


@pytest.mark.parametrize("size", [1, 2, LEAF_SIZE - 1, LEAF_SIZE, LEAF_SIZE + 1, 100, 1000, 3001])
def test_it_finds_the_brute_force_nearest_point_for_every_cloud_size(size: int) -> None:
    rng = np.random.default_rng(size)
    targets = rng.normal(size=(size, 3))
    queries = rng.normal(size=(777, 3)) * 1.5
    squared, index = PointIndex(targets).nearest(PointIndex(queries))
    assert_exact(targets, queries, squared, index)


def test_it_is_exact_for_queries_far_inside_a_round_cloud() -> None:
    # The worst case of the Chamfer metric: points near the centre of a
    # sphere are almost equally far from all of its points.
    targets = sphere_shell(4096, seed=1)
    queries = np.random.default_rng(2).uniform(-0.3, 0.3, size=(2000, 3))
    squared, index = PointIndex(targets).nearest(PointIndex(queries))
    assert_exact(targets, queries, squared, index)


def test_it_rotates_the_queries_before_searching() -> None:
    rng = np.random.default_rng(3)
    targets = rng.normal(size=(2000, 3)) * [2.0, 1.0, 0.5]
    queries = rng.normal(size=(1500, 3))
    rotation = yaw_rotation(90)
    squared, index = PointIndex(targets).nearest(PointIndex(queries), rotation)
    assert_exact(targets, queries @ rotation.T, squared, index)
    unrotated, _ = PointIndex(targets).nearest(PointIndex(queries))
    assert not np.array_equal(squared, unrotated)


def test_it_accepts_any_rotation_matrix() -> None:
    rng = np.random.default_rng(4)
    targets, queries = rng.normal(size=(900, 3)), rng.normal(size=(600, 3))
    angle = 0.3
    rotation = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]])
    squared, _ = PointIndex(targets).nearest(PointIndex(queries), rotation)
    expected = brute_force(targets, queries @ rotation.T).min(axis=1)
    np.testing.assert_allclose(squared, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "cloud",
    ["duplicates", "flat", "on a line", "one point repeated"],
)
def test_it_handles_degenerate_clouds(cloud: str) -> None:
    rng = np.random.default_rng(5)
    targets = {
        "duplicates": np.repeat(rng.normal(size=(7, 3)), 150, axis=0),
        "flat": np.column_stack([rng.normal(size=(1200, 2)), np.zeros(1200)]),
        "on a line": np.outer(rng.normal(size=800), [1.0, 2.0, -1.0]),
        "one point repeated": np.ones((500, 3)),
    }[cloud]
    queries = np.concatenate([targets[::7], rng.normal(size=(300, 3))])
    squared, index = PointIndex(targets).nearest(PointIndex(queries))
    assert_exact(targets, queries, squared, index)
    assert (squared[: len(targets[::7])] == 0.0).all()


@settings(max_examples=60, deadline=None)
@given(
    targets=arrays(np.int8, st.tuples(st.integers(1, 300), st.just(3)), elements=st.integers(-4, 4)),
    queries=arrays(np.int8, st.tuples(st.integers(1, 120), st.just(3)), elements=st.integers(-6, 6)),
)
def test_it_matches_brute_force_on_grid_clouds_full_of_ties(targets: np.ndarray, queries: np.ndarray) -> None:
    # Small integer coordinates give many exactly equal distances and
    # repeated points, where an off-by-one in a pruning test would show.
    targets, queries = targets.astype(np.float64), queries.astype(np.float64)
    squared, index = PointIndex(targets).nearest(PointIndex(queries))
    assert_exact(targets, queries, squared, index)


def test_it_answers_the_same_way_every_time() -> None:
    targets = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -1.0, 0.0]])
    queries = np.zeros((5, 3))
    first = PointIndex(targets).nearest(PointIndex(queries))
    second = PointIndex(targets).nearest(PointIndex(queries))
    np.testing.assert_array_equal(first[1], second[1])
    assert (first[0] == 1.0).all()


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (np.zeros((4, 2)), r"shape \(n, 3\), got \(4, 2\)"),
        (np.zeros(3), r"shape \(n, 3\), got \(3,\)"),
        (np.zeros((0, 3)), "must not be empty"),
        (np.array([[0.0, np.nan, 0.0]]), "finite"),
        (np.array([[np.inf, 0.0, 0.0]]), "finite"),
        (np.array([[1e60, 0.0, 0.0]]), "within 1e50"),
    ],
)
def test_it_refuses_points_it_cannot_search(points: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PointIndex(points)


def test_it_refuses_a_rotation_that_is_not_a_finite_3x3_matrix() -> None:
    index = PointIndex(np.eye(3))
    with pytest.raises(ValueError, match="rotation"):
        index.nearest(index, np.eye(4))
    with pytest.raises(ValueError, match="rotation"):
        index.nearest(index, np.full((3, 3), np.nan))


@pytest.mark.parametrize("matrix", [np.diag([1.0, 2.0, 1.0]), np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0, 0, 1]])])
def test_it_refuses_a_matrix_that_is_not_a_rotation(matrix: np.ndarray) -> None:
    # Its bounds by direction and radius would no longer hold.
    index = PointIndex(np.eye(3))
    with pytest.raises(ValueError, match="orthogonal"):
        index.nearest(index, matrix)


def test_it_accepts_a_reflection() -> None:
    rng = np.random.default_rng(6)
    targets, queries = sphere_shell(2000, seed=7), rng.uniform(-0.5, 0.5, size=(800, 3))
    mirror = np.diag([1.0, -1.0, 1.0])
    squared, index = PointIndex(targets).nearest(PointIndex(queries), mirror)
    assert_exact(targets, queries @ mirror.T, squared, index)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(LEAF_SIZE, 12 * LEAF_SIZE),
    clusters=st.integers(1, 6),
    spread=st.sampled_from([1e-3, 0.05, 0.5]),
)
def test_it_matches_brute_force_on_clustered_clouds(seed: int, size: int, clusters: int, spread: float) -> None:
    # Queries just off the target points: the nearest point is often one
    # that sets its leaf's bounding box, where a box that missed a point
    # would prune the right answer away.
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, 3))
    targets = centres[rng.integers(0, clusters, size)] + rng.normal(size=(size, 3)) * spread
    queries = targets + rng.normal(size=targets.shape) * spread * 0.3
    squared, index = PointIndex(targets).nearest(PointIndex(queries))
    assert_exact(targets, queries, squared, index)


@pytest.mark.parametrize("size", [1, LEAF_SIZE, 1000, 8192])
def test_it_stores_every_point_once_inside_its_leafs_box(size: int) -> None:
    # The pruning is only exact if no point lies outside its leaf's box; a
    # box that missed a point would rarely show in a search.
    points = np.random.default_rng(size).normal(size=(size, 3))
    index = PointIndex(points)
    slots = index._slots
    assert sorted(slots[slots >= 0].tolist()) == list(range(size))
    for leaf, leaf_slots in enumerate(slots):
        used = leaf_slots >= 0
        assert 0 < used.sum() <= LEAF_SIZE
        coordinates = index._packed[leaf][:, used]
        np.testing.assert_array_equal(coordinates, points[leaf_slots[used]].T)
        assert (index._low[:, leaf] == coordinates.min(axis=1)).all()
        assert (index._high[:, leaf] == coordinates.max(axis=1)).all()


def test_it_works_where_numba_can_write_no_cache() -> None:
    # A read-only installation: Numba refuses cache=True when it has nowhere
    # to write, which must not stop the metrics from importing.
    if shutil.which("bwrap") is None:
        missing_service("needs bubblewrap (apt-get install bubblewrap)")
    script = (
        "import numpy as np; from metrics.nearest import PointIndex; "
        "i = PointIndex(np.eye(3)); print(i.nearest(i)[0].sum())"
    )
    command = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--chdir", str(ROOT)]
    result = subprocess.run(
        [*command, sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.0"
    assert "no writable cache directory" in result.stderr
