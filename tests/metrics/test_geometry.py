"""Chamfer distance, F-score and normal consistency between meshes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh

from metrics.geometry import (
    MeshLoadError,
    NoSurfaceError,
    SurfaceSamples,
    compare_mesh_files,
    compare_meshes,
    compare_samples,
    load_surface,
    normalise_points,
    sample_surface,
    yaw_rotation,
)

from .shapes import chair, edge_only_geometry, rotated, write_glb

# Sampling noise between two different samplings of the same surface.
SAMPLING_TOLERANCE = 1e-12
Y_AXIS = [0.0, 1.0, 0.0]
Z_AXIS = [0.0, 0.0, 1.0]


def brute_force_chamfers(generated: np.ndarray, reference: np.ndarray, axis: str) -> list[float]:
    """The definition, spelled out with every pairwise distance and explicit angles."""

    def normalise(points: np.ndarray) -> np.ndarray:
        centred = points - points.mean(axis=0)
        return centred / np.linalg.norm(centred, axis=1).max()

    gen, ref = normalise(generated), normalise(reference)
    values = []
    for degrees in (0, 90, 180, 270):
        t = np.radians(degrees)
        c, s = np.cos(t), np.sin(t)
        if axis == "y":
            rotation = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
        else:
            rotation = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        moved = (rotation @ gen.T).T
        squared = ((moved[:, None, :] - ref[None, :, :]) ** 2).sum(axis=2)
        values.append(squared.min(axis=1).mean() + squared.min(axis=0).mean())
    return values


def test_it_gives_zero_distance_and_full_scores_for_identical_meshes() -> None:
    mesh = chair()
    metrics = compare_meshes(mesh, mesh)
    assert metrics.chamfer == 0.0
    assert metrics.chamfer_yaw_min == 0.0
    assert metrics.best_yaw_deg == 0
    assert metrics.fscore == 1.0
    assert metrics.precision == 1.0
    assert metrics.recall == 1.0
    assert metrics.normal_consistency == pytest.approx(1.0)
    assert metrics.points == 8192
    assert metrics.defined


def test_it_finds_the_yaw_that_undoes_a_rotation_about_the_vertical_axis() -> None:
    mesh = chair()
    metrics = compare_meshes(rotated(mesh, 90, Y_AXIS), mesh)
    assert metrics.chamfer is not None and metrics.chamfer > 0.01
    assert metrics.chamfer_yaw_min == pytest.approx(0.0, abs=SAMPLING_TOLERANCE)
    assert metrics.best_yaw_deg in (90, 270)
    assert metrics.fscore == pytest.approx(1.0)
    assert metrics.normal_consistency == pytest.approx(1.0)


def test_it_does_not_undo_a_rotation_about_z_when_searching_yaw_about_y() -> None:
    mesh = chair()
    metrics = compare_meshes(rotated(mesh, 90, Z_AXIS), mesh, yaw_axis="y")
    assert metrics.chamfer_yaw_min is not None and metrics.chamfer_yaw_min > 0.01


def test_it_undoes_a_rotation_about_z_in_the_reference_benchmarks_mode() -> None:
    mesh = chair()
    metrics = compare_meshes(rotated(mesh, 90, Z_AXIS), mesh, yaw_axis="z")
    assert metrics.chamfer_yaw_min == pytest.approx(0.0, abs=SAMPLING_TOLERANCE)
    assert metrics.best_yaw_deg in (90, 270)
    assert metrics.yaw_axis == "z"


def test_it_ignores_position_and_size() -> None:
    mesh = chair()
    moved = mesh.copy()
    moved.apply_scale(3.7)
    moved.apply_translation([10.0, -4.0, 2.5])
    reference = trimesh.creation.icosphere(subdivisions=3)
    plain = compare_meshes(mesh, reference, points=2048)
    scaled = compare_meshes(moved, reference, points=2048)
    assert scaled.chamfer == pytest.approx(plain.chamfer, rel=1e-9)
    assert scaled.chamfer_yaw_min == pytest.approx(plain.chamfer_yaw_min, rel=1e-9)
    assert scaled.fscore == pytest.approx(plain.fscore)
    assert compare_meshes(moved, mesh).chamfer == pytest.approx(0.0, abs=SAMPLING_TOLERANCE)


@pytest.mark.parametrize("axis", ["y", "z"])
def test_it_matches_a_brute_force_implementation_of_the_definition(axis: str) -> None:
    box = trimesh.creation.box(extents=[1.0, 0.4, 2.0])
    cylinder = rotated(trimesh.creation.cylinder(radius=0.3, height=1.5), 30, [1, 1, 0])
    generated = sample_surface(box, 400, seed=7)
    reference = sample_surface(cylinder, 300, seed=11)
    expected = brute_force_chamfers(generated.points, reference.points, axis)
    metrics = compare_samples(generated, reference, yaw_axis=axis)  # type: ignore[arg-type]
    assert metrics.chamfer == pytest.approx(expected[0], rel=1e-10)
    assert metrics.chamfer_yaw_min == pytest.approx(min(expected), rel=1e-10)
    assert metrics.best_yaw_deg == 90 * int(np.argmin(expected))


@pytest.mark.parametrize("shapes", ["box-vs-cylinder", "sphere-vs-chair"])
def test_it_matches_brute_force_scores_at_the_best_yaw(shapes: str) -> None:
    # Unrelated shapes: every yaw is evaluated, and far-away points are the
    # hard queries for an exact search; the scores must still be exact.
    meshes = {
        "box-vs-cylinder": (
            trimesh.creation.box(extents=[1.0, 0.4, 2.0]),
            rotated(trimesh.creation.cylinder(radius=0.3, height=1.5), 30, [1, 1, 0]),
        ),
        "sphere-vs-chair": (trimesh.creation.icosphere(subdivisions=2), chair()),
    }[shapes]
    generated = sample_surface(meshes[0], 500, seed=3)
    reference = sample_surface(meshes[1], 450, seed=4)
    metrics = compare_samples(generated, reference, fscore_threshold=0.1)
    assert metrics.best_yaw_deg is not None

    gen = normalise_points(generated.points) @ yaw_rotation(metrics.best_yaw_deg).T
    gen_normals = generated.normals @ yaw_rotation(metrics.best_yaw_deg).T
    ref = normalise_points(reference.points)
    squared = ((gen[:, None, :] - ref[None, :, :]) ** 2).sum(axis=2)
    nearest_ref, nearest_gen = squared.argmin(axis=1), squared.argmin(axis=0)
    precision = float(np.mean(np.sqrt(squared.min(axis=1)) <= 0.1))
    recall = float(np.mean(np.sqrt(squared.min(axis=0)) <= 0.1))
    cos_gen = np.abs((gen_normals * reference.normals[nearest_ref]).sum(axis=1)).mean()
    cos_ref = np.abs((reference.normals * gen_normals[nearest_gen]).sum(axis=1)).mean()

    assert metrics.chamfer_yaw_min == pytest.approx(squared.min(axis=1).mean() + squared.min(axis=0).mean(), rel=1e-10)
    assert metrics.precision == precision and metrics.recall == recall
    assert metrics.fscore == pytest.approx(2 * precision * recall / (precision + recall), rel=1e-12)
    assert metrics.normal_consistency == pytest.approx(0.5 * (cos_gen + cos_ref), rel=1e-10)


def test_it_computes_a_hand_checked_two_point_example() -> None:
    # Generated: two points at x = -1 and x = +1 (already normalised).
    # Reference: the same plus a third at the origin, which moves nothing
    # (mean stays 0, radius stays 1). Generated -> reference: both exact (0).
    # Reference -> generated: 0, 0 and 1 (origin to either end): mean 1/3.
    unit_normals = np.tile([0.0, 1.0, 0.0], (3, 1))
    generated = SurfaceSamples(np.array([[-1.0, 0, 0], [1.0, 0, 0]]), unit_normals[:2])
    reference = SurfaceSamples(np.array([[-1.0, 0, 0], [0.0, 0, 0], [1.0, 0, 0]]), unit_normals)
    metrics = compare_samples(generated, reference, fscore_threshold=0.5)
    assert metrics.chamfer == pytest.approx(1.0 / 3.0)
    assert metrics.chamfer_yaw_min == pytest.approx(1.0 / 3.0)
    assert metrics.precision == 1.0
    assert metrics.recall == pytest.approx(2.0 / 3.0)
    assert metrics.fscore == pytest.approx(0.8)
    assert metrics.normal_consistency == pytest.approx(1.0)


def test_it_ranks_a_sphere_closer_to_a_sphere_than_to_a_box() -> None:
    sphere = trimesh.creation.icosphere(subdivisions=3)
    other_sphere = trimesh.creation.uv_sphere(radius=2.0, count=[24, 24])
    box = trimesh.creation.box(extents=[1.0, 1.0, 1.0])
    cylinder = trimesh.creation.cylinder(radius=0.5, height=1.0)
    to_sphere = compare_meshes(sphere, other_sphere)
    to_box = compare_meshes(sphere, box)
    to_cylinder = compare_meshes(sphere, cylinder)
    assert to_sphere.chamfer_yaw_min is not None and to_box.chamfer_yaw_min is not None
    assert to_sphere.chamfer_yaw_min < to_cylinder.chamfer_yaw_min < to_box.chamfer_yaw_min  # type: ignore[operator]
    assert to_sphere.fscore > to_box.fscore  # type: ignore[operator]
    assert to_sphere.normal_consistency > to_box.normal_consistency  # type: ignore[operator]


def test_it_is_deterministic_for_a_seed_and_varies_across_seeds() -> None:
    mesh = chair()
    first = sample_surface(mesh, 256, seed=3).points
    assert np.array_equal(first, sample_surface(mesh, 256, seed=3).points)
    assert not np.array_equal(first, sample_surface(mesh, 256, seed=4).points)


def test_it_samples_unit_face_normals() -> None:
    samples = sample_surface(chair(), 500)
    assert np.allclose(np.linalg.norm(samples.normals, axis=1), 1.0)


def test_it_normalises_into_the_unit_sphere_about_the_mean() -> None:
    points = np.random.default_rng(0).normal(loc=5.0, scale=3.0, size=(100, 3))
    normalised = normalise_points(points)
    assert np.allclose(normalised.mean(axis=0), 0.0)
    assert np.linalg.norm(normalised, axis=1).max() == pytest.approx(1.0)


def test_it_uses_exact_quarter_turns() -> None:
    for axis in ("y", "z"):
        full_turn = np.linalg.matrix_power(yaw_rotation(90, axis), 4)  # type: ignore[arg-type]
        assert np.array_equal(full_turn, np.eye(3))
    assert np.array_equal(yaw_rotation(90, "y") @ [1.0, 0.0, 0.0], [0.0, 0.0, -1.0])


def test_it_reads_a_glb_written_by_trimesh(tmp_path: Path) -> None:
    mesh = chair()
    path = write_glb(tmp_path / "mesh.glb", mesh)
    loaded = load_surface(path)
    assert loaded.area == pytest.approx(mesh.area)
    metrics = compare_mesh_files(path, path)
    assert metrics.chamfer == 0.0 and metrics.fscore == 1.0


def test_it_applies_node_transforms_and_keeps_every_part(tmp_path: Path) -> None:
    scene = trimesh.Scene()
    box = trimesh.creation.box(extents=[1.0, 1.0, 1.0])
    scene.add_geometry(box, transform=trimesh.transformations.translation_matrix([5, 0, 0]))
    scene.add_geometry(trimesh.creation.icosphere(), transform=np.eye(4))
    path = tmp_path / "parts.glb"
    path.write_bytes(scene.export(file_type="glb"))
    loaded = load_surface(path)
    assert loaded.bounds[1][0] == pytest.approx(5.5)
    assert loaded.area == pytest.approx(box.area + trimesh.creation.icosphere().area)


def test_it_ignores_edges_beside_triangles(tmp_path: Path) -> None:
    mesh = chair()
    path = write_glb(tmp_path / "mixed.glb", mesh, *edge_only_geometry())
    assert load_surface(path).area == pytest.approx(mesh.area)


def test_it_reports_an_edge_only_asset_as_undefined_with_a_reason(tmp_path: Path) -> None:
    edges = write_glb(tmp_path / "edges.glb", *edge_only_geometry())
    reference = write_glb(tmp_path / "reference.glb", chair())
    with pytest.raises(NoSurfaceError):
        load_surface(edges)
    metrics = compare_mesh_files(edges, reference)
    assert not metrics.defined
    assert metrics.chamfer is None and metrics.chamfer_yaw_min is None
    assert metrics.fscore is None and metrics.best_yaw_deg is None
    assert metrics.reason is not None
    assert "edges.glb" in metrics.reason and "no triangles" in metrics.reason


def test_it_names_a_missing_file(tmp_path: Path) -> None:
    reference = write_glb(tmp_path / "reference.glb", chair())
    with pytest.raises(MeshLoadError, match="missing.glb: file not found"):
        compare_mesh_files(tmp_path / "missing.glb", reference)


def test_it_reports_a_missing_reference_even_for_an_edge_only_asset(tmp_path: Path) -> None:
    edges = write_glb(tmp_path / "edges.glb", *edge_only_geometry())
    with pytest.raises(MeshLoadError, match="nowhere.glb"):
        compare_mesh_files(edges, tmp_path / "nowhere.glb")


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_it_names_a_mesh_with_a_vertex_that_is_not_finite(tmp_path: Path, value: float) -> None:
    # A script can set any coordinate; the metrics must say so, not sample it.
    mesh = trimesh.creation.box()
    mesh.vertices[0, 1] = value
    path = write_glb(tmp_path / "broken-vertex.glb", mesh)
    with pytest.raises(MeshLoadError, match="broken-vertex.glb: vertex coordinates include NaN or infinity"):
        compare_mesh_files(path, write_glb(tmp_path / "reference.glb", chair()))


def test_it_names_a_file_that_is_not_a_mesh(tmp_path: Path) -> None:
    path = tmp_path / "broken.glb"
    path.write_bytes(b"this is not a GLB file")
    with pytest.raises(MeshLoadError, match="broken.glb: not a readable mesh"):
        load_surface(path)


def test_it_serialises_to_a_json_ready_dict() -> None:
    mesh = chair()
    result = compare_meshes(mesh, mesh, points=512).as_dict()
    assert set(result) >= {
        "chamfer",
        "chamfer_yaw_min",
        "best_yaw_deg",
        "fscore",
        "precision",
        "recall",
        "normal_consistency",
        "points",
    }
    assert result["points"] == 512 and result["reason"] is None


def naive_chamfers(generated: np.ndarray, reference: np.ndarray) -> list[float]:
    """Rotate, build both trees, query: the definition with nothing skipped."""
    from scipy.spatial import cKDTree

    gen, ref = normalise_points(generated), normalise_points(reference)
    values = []
    for degrees in (0, 90, 180, 270):
        moved = gen @ yaw_rotation(degrees, "y").T
        values.append(float(np.mean(cKDTree(ref).query(moved)[0] ** 2) + np.mean(cKDTree(moved).query(ref)[0] ** 2)))
    return values


@pytest.mark.parametrize(
    "pair",
    ["chair-vs-itself", "chair-turned", "sphere-vs-box", "box-vs-cylinder", "chair-vs-sphere"],
)
def test_it_skips_no_yaw_that_could_be_the_minimum(pair: str) -> None:
    # Large enough clouds for the lower-bound pruning to be used.
    meshes = {
        "chair-vs-itself": (chair(), chair()),
        "chair-turned": (rotated(chair(), 180, Y_AXIS), chair()),
        "sphere-vs-box": (trimesh.creation.icosphere(subdivisions=3), trimesh.creation.box()),
        "box-vs-cylinder": (
            trimesh.creation.box(extents=[2.0, 0.5, 1.0]),
            trimesh.creation.cylinder(radius=0.4, height=2.0),
        ),
        "chair-vs-sphere": (chair(), trimesh.creation.icosphere(subdivisions=3)),
    }[pair]
    generated = sample_surface(meshes[0], 3000, seed=1)
    reference = sample_surface(meshes[1], 3000, seed=2)
    expected = naive_chamfers(generated.points, reference.points)
    metrics = compare_samples(generated, reference)
    assert metrics.chamfer == pytest.approx(expected[0], rel=1e-12)
    assert metrics.chamfer_yaw_min == pytest.approx(min(expected), rel=1e-12)
    assert metrics.best_yaw_deg == 90 * int(np.argmin(expected))


def test_it_evaluates_only_the_yaws_that_could_win(monkeypatch: pytest.MonkeyPatch) -> None:
    import metrics.geometry as geometry

    evaluated: list[np.ndarray] = []
    exact = geometry._match

    def counting_match(*args: object) -> object:
        evaluated.append(args[-1])  # type: ignore[arg-type]
        return exact(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(geometry, "_match", counting_match)
    mesh = chair()
    metrics = compare_meshes(rotated(mesh, 180, Y_AXIS), mesh)
    assert metrics.best_yaw_deg == 180
    # Yaw 0 is always needed (it is reported); 180 wins; 90 and 270 are ruled out.
    assert len(evaluated) == 2
