"""Embedding backends and the render / text–render similarity scores.

The transformers backends are tested on tiny randomly initialised models
that the tests build and save themselves: real loading and scoring code,
no downloaded weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from metrics.embeddings import (
    BackendError,
    EmbeddingBackend,
    WeightsNotFound,
    backend_names,
    best_assignment_similarity,
    create_backend,
    load_views,
    register_backend,
    render_similarity,
    text_render_similarity,
    view_paired_similarity,
)

from .shapes import clay_view, write_views

TINY = {"hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 1, "num_attention_heads": 2}


class MeanColourBackend(EmbeddingBackend):
    """A stand-in model: the mean RGB of the flattened image."""

    name = "test-mean-colour"

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        vectors = np.array([np.asarray(i.convert("RGB"), dtype=float).mean(axis=(0, 1)) for i in images])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def views(shifts: Sequence[int]) -> list[Image.Image]:
    return [clay_view(shift) for shift in shifts]


def test_it_scores_paired_views_by_cosine() -> None:
    asset = np.array([[1.0, 0.0], [0.0, 2.0]])
    reference = np.array([[1.0, 1.0], [0.0, 1.0]])
    assert np.allclose(view_paired_similarity(asset, reference), [np.sqrt(0.5), 1.0])


def test_it_matches_views_one_to_one_for_the_best_assignment() -> None:
    reference = np.eye(4)
    asset = reference[[2, 0, 3, 1]]
    mean, assignment = best_assignment_similarity(asset, reference)
    assert mean == pytest.approx(1.0)
    assert list(assignment) == [2, 0, 3, 1]
    assert view_paired_similarity(asset, reference).mean() == pytest.approx(0.0)


def test_it_registers_backends_by_name(tmp_path: Path) -> None:
    register_backend(MeanColourBackend)
    assert {"siglip", "dino", "test-mean-colour"} <= set(backend_names())
    backend = create_backend("test-mean-colour", tmp_path)
    result = render_similarity(backend, views([0, 0]), views([0, 0]))
    assert result.backend == "test-mean-colour"
    assert result.view_paired == pytest.approx(1.0)
    assert result.as_dict()["assignment"] == [0, 1]


def test_it_rejects_an_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="unknown embedding backend 'nope'"):
        create_backend("nope", tmp_path)


def test_it_says_when_a_backend_embeds_no_text(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="does not embed texts"):
        text_render_similarity(MeanColourBackend(tmp_path), "a chair", views([0]))


def test_it_refuses_a_weights_directory_that_does_not_exist(tmp_path: Path) -> None:
    # A name like this must never be taken for a model id on a hub.
    with pytest.raises(WeightsNotFound, match="weights directory not found"):
        create_backend("siglip", tmp_path / "google" / "siglip2-base-patch16-224")


def test_it_refuses_a_directory_without_a_saved_model(tmp_path: Path) -> None:
    with pytest.raises(WeightsNotFound, match="no config.json"):
        create_backend("dino", tmp_path)


def test_it_loads_view_images_in_camera_order(tmp_path: Path) -> None:
    directory = write_views(tmp_path / "views", [0, 4, 8, 12])
    loaded = load_views(directory)
    assert len(loaded) == 4 and all(image.mode == "RGBA" for image in loaded)
    with pytest.raises(FileNotFoundError, match="view_045.png"):
        load_views(tmp_path)


@pytest.fixture(scope="module")
def transformers_module() -> Any:
    return pytest.importorskip("transformers", reason="transformers is not installed (optional: see docs/metrics.md)")


@pytest.fixture(scope="module")
def tiny_siglip(transformers_module: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tf = transformers_module
    directory = tmp_path_factory.mktemp("siglip")
    config = tf.SiglipConfig(
        text_config={**TINY, "vocab_size": 16, "max_position_embeddings": 8},
        vision_config={**TINY, "image_size": 32, "patch_size": 8},
    )
    tf.SiglipModel(config).save_pretrained(directory)
    words = ["[PAD]", "[UNK]", "a", "red", "wooden", "chair", "lamp", "table"]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    processor = tf.SiglipProcessor(
        image_processor=tf.SiglipImageProcessor(size={"height": 32, "width": 32}),
        tokenizer=tf.PreTrainedTokenizerFast(
            tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]", model_max_length=8
        ),
    )
    processor.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def tiny_dino(transformers_module: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tf = transformers_module
    directory = tmp_path_factory.mktemp("dino")
    tf.Dinov2Model(tf.Dinov2Config(**TINY, image_size=32, patch_size=8)).save_pretrained(directory)
    tf.BitImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(directory)
    return directory


@pytest.mark.parametrize("name", ["siglip", "dino"])
def test_it_embeds_images_with_a_model_saved_in_a_local_directory(
    name: str, tiny_siglip: Path, tiny_dino: Path
) -> None:
    backend = create_backend(name, tiny_siglip if name == "siglip" else tiny_dino)
    embedded = backend.embed_images(views([0, 10, 20]))
    assert embedded.shape == (3, 32)
    assert np.allclose(np.linalg.norm(embedded, axis=1), 1.0)
    again = backend.embed_images(views([0, 10, 20]))
    assert np.allclose(embedded, again)


@pytest.mark.parametrize("name", ["siglip", "dino"])
def test_it_scores_render_similarity_with_a_real_backend(name: str, tiny_siglip: Path, tiny_dino: Path) -> None:
    backend = create_backend(name, tiny_siglip if name == "siglip" else tiny_dino, batch_size=3)
    reference = views([0, 6, 12, 18])
    same = render_similarity(backend, views([0, 6, 12, 18]), reference)
    assert same.view_paired == pytest.approx(1.0)
    assert same.best_assignment == pytest.approx(1.0)
    assert same.assignment == [0, 1, 2, 3]
    shuffled = render_similarity(backend, [reference[i] for i in (1, 0, 3, 2)], reference)
    assert shuffled.best_assignment == pytest.approx(1.0)
    assert shuffled.assignment == [1, 0, 3, 2]
    assert shuffled.view_paired <= shuffled.best_assignment
    assert len(shuffled.per_view) == 4


def test_it_scores_text_render_similarity_with_siglip(tiny_siglip: Path) -> None:
    backend = create_backend("siglip", tiny_siglip)
    result = text_render_similarity(backend, "a red wooden chair", views([0, 8]))
    assert len(result.per_view) == 2
    assert -1.0 <= result.mean <= 1.0
    assert result.mean == pytest.approx(np.mean(result.per_view))
    texts = backend.embed_texts(["a red chair", "lamp", "table"])
    assert texts.shape == (3, 32) and np.allclose(np.linalg.norm(texts, axis=1), 1.0)


def test_it_refuses_text_with_an_image_only_backend(tiny_dino: Path) -> None:
    with pytest.raises(BackendError, match="'dino' does not embed texts"):
        create_backend("dino", tiny_dino).embed_texts(["a chair"])
