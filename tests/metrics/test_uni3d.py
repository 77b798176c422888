"""The Uni3D point-cloud backend and the uni3d_* metrics.

Tiny randomly initialised encoders are built here, saved as Uni3D saves its
checkpoints (``{"module": {"module.point_encoder....": tensor}}``, with the
image-model parts the encoder does not use) and loaded through the real
loading code: no downloaded weights.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh

from metrics import backends, services
from metrics.embeddings import BackendError, WeightsNotFound, create_backend
from metrics.geometry import sample_surface
from metrics.models import AssetMetric

from .shapes import chair, edge_only_geometry
from .test_embeddings import tiny_siglip, transformers_module  # noqa: F401 (fixtures used by name)
from .test_scoring import _glb, _output, _prompt, _reference, _values

torch = pytest.importorskip("torch", reason="torch is not installed (optional: see docs/metrics.md)")

from metrics.uni3d import CheckpointMismatch, PointcloudEncoder, Uni3DConfig, embed_clouds  # noqa: E402

POINTS = 256
# Small enough to run in well under a second; 32 matches the tiny SigLIP's text size.
TINY = {
    "pc_feat_dim": 32,
    "depth": 2,
    "num_heads": 2,
    "embed_dim": 32,
    "pc_encoder_dim": 32,
    "num_group": 16,
    "group_size": 8,
    "npoints": POINTS,
}
# EVA-02 base/large blocks: split q/k/v projections, SwiGLU with a norm.
TINY_EVA02 = {**TINY, "pc_model": "eva02_base_patch14_448"}


def save_uni3d(directory: Path, config: dict[str, Any], seed: int = 0) -> PointcloudEncoder:
    """Save a random encoder as a Uni3D weights directory; return the model."""
    torch.manual_seed(seed)
    model = PointcloudEncoder(Uni3DConfig.from_dict(config)).eval()
    with torch.no_grad():  # running statistics that are not the identity
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm1d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    state = {f"module.point_encoder.{key}": value for key, value in model.state_dict().items()}
    width = config["pc_feat_dim"]
    # What a real checkpoint also holds: the loss temperature and the unused image-model parts.
    state["module.logit_scale"] = torch.tensor(2.6)
    state["module.point_encoder.visual.patch_embed.proj.weight"] = torch.zeros(width, 3, 14, 14)
    state["module.point_encoder.visual.pos_embed"] = torch.zeros(1, 5, width)
    state["module.point_encoder.visual.cls_token"] = torch.zeros(1, 1, width)
    state["module.point_encoder.visual.head.weight"] = torch.zeros(10, width)
    directory.mkdir(parents=True, exist_ok=True)
    torch.save({"module": state, "epoch": 3}, directory / "model.pt")
    (directory / "config.json").write_text(json.dumps(config))
    return model


def cloud(mesh: trimesh.Trimesh) -> np.ndarray:
    return sample_surface(mesh, POINTS).points


@pytest.fixture(scope="module")
def uni3d_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("uni3d")
    save_uni3d(directory, TINY)
    return directory


def test_it_embeds_a_cloud_deterministically_as_unit_vectors(uni3d_dir: Path) -> None:
    clouds = [cloud(trimesh.creation.box()), cloud(chair())]
    first = create_backend("uni3d", uni3d_dir).embed_point_clouds(clouds)
    again = create_backend("uni3d", uni3d_dir).embed_point_clouds(clouds)
    assert first.shape == (2, 32)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert np.array_equal(first, again)


def test_it_ignores_the_order_position_and_size_of_the_points(uni3d_dir: Path) -> None:
    backend = create_backend("uni3d", uni3d_dir)
    points = cloud(chair())
    shuffled = points[np.random.default_rng(7).permutation(len(points))]
    moved = points * 3.5 + np.array([10.0, -2.0, 0.5])
    embedded = backend.embed_point_clouds([points, shuffled, moved])
    assert np.array_equal(embedded[0], embedded[1])  # farthest point sampling starts at the same point
    assert np.allclose(embedded[0], embedded[2], atol=1e-5)  # centred and scaled to the unit sphere


def test_it_scores_a_mesh_as_identical_to_itself_and_lower_against_another(uni3d_dir: Path) -> None:
    backend = create_backend("uni3d", uni3d_dir)
    box, same_box, sphere = backend.embed_point_clouds(
        [cloud(trimesh.creation.box()), cloud(trimesh.creation.box()), cloud(trimesh.creation.icosphere())]
    )
    assert float(box @ same_box) == pytest.approx(1.0, abs=1e-12)
    assert float(box @ sphere) < 1.0 - 1e-5


@pytest.mark.parametrize("config", [TINY, TINY_EVA02], ids=["eva", "eva02"])
def test_it_loads_a_uni3d_checkpoint_into_the_same_model(config: dict[str, Any], tmp_path: Path) -> None:
    original = save_uni3d(tmp_path, config, seed=3)
    clouds = [cloud(chair())]
    loaded = create_backend("uni3d", tmp_path)
    assert np.allclose(loaded.embed_point_clouds(clouds), embed_clouds(original, clouds), atol=1e-6)
    assert loaded.config.qkv_fused is (config is TINY)


def test_it_names_the_file_and_the_missing_keys_of_a_mismatched_checkpoint(tmp_path: Path) -> None:
    save_uni3d(tmp_path, TINY)  # fused q/k/v weights
    (tmp_path / "config.json").write_text(json.dumps(TINY_EVA02))  # says split ones
    with pytest.raises(CheckpointMismatch) as raised:
        create_backend("uni3d", tmp_path)
    message = str(raised.value)
    assert str(tmp_path / "model.pt") in message
    assert "missing keys: visual.blocks.0.attn.q_proj.weight" in message
    assert "unexpected keys: visual.blocks.0.attn.q_bias" in message


def test_it_names_a_weight_of_the_wrong_shape(tmp_path: Path) -> None:
    save_uni3d(tmp_path, TINY)
    (tmp_path / "config.json").write_text(json.dumps({**TINY, "embed_dim": 24}))
    with pytest.raises(CheckpointMismatch, match=r"trans2embed.weight \(32, 32\) \(expected \(24, 32\)\)"):
        create_backend("uni3d", tmp_path)


def test_it_refuses_a_directory_without_weights_or_with_a_bad_config(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(TINY))
    with pytest.raises(WeightsNotFound, match=r"model.pt: not found"):
        create_backend("uni3d", tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({**TINY, "width": 32}))
    with pytest.raises(WeightsNotFound, match=r"config.json: unknown keys width"):
        create_backend("uni3d", tmp_path)
    with pytest.raises(WeightsNotFound, match="weights directory not found"):
        create_backend("uni3d", tmp_path / "BAAI" / "Uni3D")


def test_it_refuses_a_cloud_too_small_to_group_and_embeds_no_images(uni3d_dir: Path) -> None:
    backend = create_backend("uni3d", uni3d_dir)
    with pytest.raises(BackendError, match="10 points is too small for 16 groups"):
        backend.embed_point_clouds([np.random.default_rng(0).random((10, 3))])
    with pytest.raises(BackendError, match="'uni3d' does not embed images"):
        backend.embed_images([])
    with pytest.raises(BackendError, match="no text tower"):
        backend.embed_texts(["a chair"])


def test_it_embeds_texts_with_a_paired_text_tower_of_the_same_size(request: Any, tmp_path: Path) -> None:
    text_dir = request.getfixturevalue("tiny_siglip")  # skipped without transformers
    save_uni3d(tmp_path / "ok", TINY)
    (tmp_path / "ok" / "text").symlink_to(text_dir, target_is_directory=True)
    backend = create_backend("uni3d", tmp_path / "ok")
    texts = backend.embed_texts(["a wooden chair", "a lamp"])
    assert texts.shape == (2, 32) and np.allclose(np.linalg.norm(texts, axis=1), 1.0)
    save_uni3d(tmp_path / "narrow", {**TINY, "embed_dim": 24})
    (tmp_path / "narrow" / "text").symlink_to(text_dir, target_is_directory=True)
    with pytest.raises(WeightsNotFound, match="text embeddings of size 32, Uni3D's have 24"):
        create_backend("uni3d", tmp_path / "narrow")


# --- through the scoring of stored assets --------------------------------------


@pytest.fixture
def uni3d_setting(settings: Any, media_root: Path, tmp_path: Path, request: Any) -> Any:
    text_dir = request.getfixturevalue("tiny_siglip")
    directory = tmp_path / "uni3d"
    save_uni3d(directory, TINY)
    (directory / "text").symlink_to(text_dir, target_is_directory=True)
    settings.METRICS_UNI3D_DIR = str(directory)
    yield directory
    backends._backends.clear()  # the loaded model is cached per process


@pytest.mark.django_db
def test_it_adds_the_uni3d_metrics_to_the_scoring_of_assets(uni3d_setting: Path) -> None:
    assert backends.metric_names_available()[-2:] == ["uni3d_similarity", "uni3d_text"]
    prompt = _prompt()
    _reference(prompt)  # a box
    box = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")
    sphere = _output(prompt, "Birch", _glb(trimesh.creation.icosphere(subdivisions=3)), "sphere")
    edges = _output(prompt, "Cedar", _glb(*edge_only_geometry()), "box")
    for asset in (box, sphere, edges):
        services.asset_metrics_compute(asset_id=asset.id)
    assert _values(box)["uni3d_similarity"] == pytest.approx(1.0, abs=1e-9)
    assert _values(sphere)["uni3d_similarity"] < _values(box)["uni3d_similarity"] - 1e-5
    assert -1.0 <= _values(box)["uni3d_text"] <= 1.0
    assert _values(box)["uni3d_text"] != _values(sphere)["uni3d_text"]
    row = AssetMetric.objects.get(asset=edges, name="uni3d_similarity")
    assert row.value is None and "no triangles" in row.detail["reason"]


@pytest.mark.django_db
def test_it_leaves_the_uni3d_metrics_out_without_a_configured_directory(settings: Any, media_root: Path) -> None:
    settings.METRICS_UNI3D_DIR = ""
    assert "uni3d_similarity" not in backends.metric_names_available()
    prompt = _prompt()
    _reference(prompt)
    asset = _output(prompt, "Atlas", _glb(trimesh.creation.box()), "box")
    services.asset_metrics_compute(asset_id=asset.id)
    assert "uni3d_similarity" not in _values(asset) and "chamfer" in _values(asset)
