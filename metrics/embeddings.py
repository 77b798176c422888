"""Learned-embedding metrics: render similarity and text–render similarity.

The reference benchmark's best-correlated metrics compare learned features
(SigLIP-2, DINOv3, Uni3D) of an asset with those of its reference. Model
weights are never fetched at run time: a backend loads them from a local
directory that an operator provides.

The module has two layers:

- pure scoring on embedding arrays (:func:`view_paired_similarity`,
  :func:`best_assignment_similarity`, :func:`text_similarity`), which needs
  only NumPy and SciPy;
- backends behind the :class:`EmbeddingBackend` interface, found by name in a
  registry. The built-in ``siglip`` and ``dino`` backends wrap Hugging Face
  ``transformers`` (``AutoModel`` + ``AutoProcessor``); ``uni3d`` embeds
  point clouds with the encoder in :mod:`metrics.uni3d`. They import
  ``torch`` (and ``transformers``) only when one is created.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
from PIL import Image
from scipy.optimize import linear_sum_assignment

from metrics.images import VIEW_NAMES, flatten_rgba
from metrics.vectors import BackendError, BackendUnavailable, WeightsNotFound, l2_normalise

# What to install for the transformers backends (numpy must stay < 2 for bpy).
TRANSFORMERS_REQUIREMENTS = "torch==2.13.0 transformers==5.23.0"


class EmbeddingBackend(ABC):
    """A model that maps images (and optionally texts or 3D points) to vectors.

    Subclasses set :attr:`name`, implement :meth:`embed_images`, and override
    :meth:`embed_texts` or :meth:`embed_point_clouds` when the model embeds
    those in the same space. Every ``embed_*`` method returns one
    L2-normalised row per input, so that a dot product is a cosine.

    Parameters
    ----------
    weights_dir : str or pathlib.Path
        Local directory holding the model's weights and configuration.
    """

    name: ClassVar[str] = ""
    supports_text: ClassVar[bool] = False
    supports_point_clouds: ClassVar[bool] = False

    def __init__(self, weights_dir: str | Path) -> None:
        self.weights_dir = Path(weights_dir)

    @abstractmethod
    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Return an ``(len(images), d)`` array of unit vectors."""

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(len(texts), d)`` array of unit vectors in the image space."""
        raise BackendError(f"backend {self.name!r} does not embed texts")

    def embed_point_clouds(self, clouds: Sequence[np.ndarray]) -> np.ndarray:
        """Return an ``(len(clouds), d)`` array of unit vectors for ``(n, 3)`` clouds."""
        raise BackendError(f"backend {self.name!r} does not embed point clouds")


_REGISTRY: dict[str, type[EmbeddingBackend]] = {}
_BackendT = TypeVar("_BackendT", bound=type[EmbeddingBackend])


def register_backend(cls: _BackendT) -> _BackendT:
    """Class decorator that makes a backend available under its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def backend_names() -> list[str]:
    """Return the names of the registered backends, sorted."""
    return sorted(_REGISTRY)


def create_backend(name: str, weights_dir: str | Path, **options: Any) -> EmbeddingBackend:
    """Create a registered backend from a local weights directory.

    Parameters
    ----------
    name : str
        A name from :func:`backend_names`.
    weights_dir : str or pathlib.Path
        Local directory with the model's files.
    **options
        Passed to the backend's constructor.

    Returns
    -------
    EmbeddingBackend
    """
    try:
        cls = _REGISTRY[name]
    except KeyError:
        known = ", ".join(backend_names()) or "none"
        raise BackendError(f"unknown embedding backend {name!r} (known: {known})") from None
    return cls(weights_dir, **options)


# --- pure scoring -----------------------------------------------------------


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the ``(len(a), len(b))`` matrix of cosines between rows."""
    return l2_normalise(a) @ l2_normalise(b).T


def view_paired_similarity(asset: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Return the cosine between view ``k`` of the asset and of the reference.

    Parameters
    ----------
    asset, reference : numpy.ndarray
        ``(v, d)`` embeddings of the same cameras, in the same order.

    Returns
    -------
    numpy.ndarray
        ``(v,)`` cosines.
    """
    if asset.shape != reference.shape:
        raise ValueError(f"embedding shapes differ: {asset.shape} vs {reference.shape}")
    return np.sum(l2_normalise(asset) * l2_normalise(reference), axis=1)


def best_assignment_similarity(asset: np.ndarray, reference: np.ndarray) -> tuple[float, np.ndarray]:
    """Return the mean cosine of the best one-to-one matching of views.

    Forgives a generated object that faces another way than the reference:
    views are matched by the assignment that maximises the total cosine
    (Hungarian algorithm), whatever camera they came from.

    Parameters
    ----------
    asset, reference : numpy.ndarray
        ``(v, d)`` and ``(w, d)`` embeddings.

    Returns
    -------
    mean : float
        Mean cosine over the ``min(v, w)`` matched pairs.
    assignment : numpy.ndarray
        ``assignment[i]`` is the reference view matched to asset view ``i``
        (``-1`` for an unmatched asset view).
    """
    similarity = cosine_matrix(asset, reference)
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    assignment = np.full(len(asset), -1, dtype=np.int64)
    assignment[rows] = cols
    return float(similarity[rows, cols].mean()), assignment


def text_similarity(images: np.ndarray, text: np.ndarray) -> np.ndarray:
    """Return the cosine between each image embedding and one text embedding.

    Parameters
    ----------
    images : numpy.ndarray
        ``(v, d)`` image embeddings.
    text : numpy.ndarray
        ``(d,)`` or ``(1, d)`` text embedding.

    Returns
    -------
    numpy.ndarray
        ``(v,)`` cosines.
    """
    return cosine_matrix(images, np.reshape(text, (1, -1)))[:, 0]


@dataclass(frozen=True)
class RenderSimilarity:
    """Embedding similarity of an asset's renders to the reference's.

    Attributes
    ----------
    backend : str
        Name of the backend that embedded the views.
    view_paired : float
        Mean cosine between views from the same camera.
    best_assignment : float
        Mean cosine under the best one-to-one matching of views.
    per_view : list of float
        View-paired cosine of each view.
    assignment : list of int
        Reference view matched to each asset view.
    """

    backend: str
    view_paired: float
    best_assignment: float
    per_view: list[float]
    assignment: list[int]

    def as_dict(self) -> dict[str, Any]:
        """Return the metrics as a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class TextRenderSimilarity:
    """Embedding similarity of an asset's renders to its prompt text.

    Attributes
    ----------
    backend : str
        Name of the backend.
    mean : float
        Mean cosine between the text and each view.
    per_view : list of float
        Cosine of each view.
    """

    backend: str
    mean: float
    per_view: list[float]

    def as_dict(self) -> dict[str, Any]:
        """Return the metrics as a JSON-ready dictionary."""
        return asdict(self)


def render_similarity(
    backend: EmbeddingBackend,
    asset_views: Sequence[Image.Image],
    reference_views: Sequence[Image.Image],
) -> RenderSimilarity:
    """Embed both sets of views and score them.

    Parameters
    ----------
    backend : EmbeddingBackend
    asset_views, reference_views : sequence of PIL.Image.Image
        Views from the same cameras, in the same order.

    Returns
    -------
    RenderSimilarity
    """
    if len(asset_views) != len(reference_views) or not asset_views:
        raise ValueError(f"need the same, non-zero number of views: {len(asset_views)} vs {len(reference_views)}")
    embedded = backend.embed_images([*asset_views, *reference_views])
    asset, reference = embedded[: len(asset_views)], embedded[len(asset_views) :]
    paired = view_paired_similarity(asset, reference)
    best, assignment = best_assignment_similarity(asset, reference)
    return RenderSimilarity(
        backend=backend.name,
        view_paired=float(paired.mean()),
        best_assignment=best,
        per_view=[float(x) for x in paired],
        assignment=[int(i) for i in assignment],
    )


def text_render_similarity(backend: EmbeddingBackend, text: str, views: Sequence[Image.Image]) -> TextRenderSimilarity:
    """Score an asset's views against a prompt with a text-and-image backend."""
    if not views:
        raise ValueError("no views to score")
    per_view = text_similarity(backend.embed_images(views), backend.embed_texts([text]))
    return TextRenderSimilarity(
        backend=backend.name, mean=float(per_view.mean()), per_view=[float(x) for x in per_view]
    )


def load_views(directory: str | Path, views: Sequence[str] = VIEW_NAMES) -> list[Image.Image]:
    """Read view images from a directory, fully loaded (files are closed)."""
    images = []
    for name in views:
        path = Path(directory) / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: view image not found")
        with Image.open(path) as image:
            image.load()
            images.append(image.copy())
    return images


# --- transformers backends --------------------------------------------------


def _import_transformers() -> tuple[Any, Any]:
    """Import torch and transformers in offline mode, or explain what is missing."""
    # transformers reads this when it is first imported; it keeps any code
    # path that would reach a model hub from trying.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise BackendUnavailable(f"the transformers backends need {TRANSFORMERS_REQUIREMENTS} ({exc})") from exc
    return torch, transformers


def _check_weights_dir(weights_dir: Path) -> None:
    # A string that is not a directory would be read as a hub model id.
    if not weights_dir.is_dir():
        raise WeightsNotFound(f"{weights_dir}: weights directory not found")
    if not (weights_dir / "config.json").is_file():
        raise WeightsNotFound(f"{weights_dir}: no config.json (not a saved model directory)")


def _features(output: Any) -> Any:
    """Pick the pooled embedding from a model output or a plain tensor."""
    if hasattr(output, "pooler_output") and output.pooler_output is not None:
        return output.pooler_output
    if hasattr(output, "last_hidden_state"):
        # ViT-style encoders without a pooler: the class token.
        return output.last_hidden_state[:, 0]
    return output


class TransformersBackend(EmbeddingBackend):
    """Image (and text) embeddings from a model saved with ``save_pretrained``.

    Loads ``AutoModel`` and ``AutoProcessor`` from ``weights_dir`` with
    ``local_files_only=True``. Images are composited on a neutral grey before
    the processor sees them. A model with ``get_image_features`` (CLIP,
    SigLIP, SigLIP-2) is embedded through it; any other vision encoder
    (DINOv2, DINOv3) through its pooled output, or its class token.

    Parameters
    ----------
    weights_dir : str or pathlib.Path
        Directory with ``config.json``, the weights and the processor files.
    device : str
        Torch device.
    batch_size : int
        Images or texts per forward pass.
    """

    def __init__(self, weights_dir: str | Path, *, device: str = "cpu", batch_size: int = 16) -> None:
        super().__init__(weights_dir)
        _check_weights_dir(self.weights_dir)
        self._torch, transformers = _import_transformers()
        self.device = device
        self.batch_size = batch_size
        self.model = transformers.AutoModel.from_pretrained(self.weights_dir, local_files_only=True).to(device)
        self.model.eval()
        self.processor = transformers.AutoProcessor.from_pretrained(self.weights_dir, local_files_only=True)

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Return one unit vector per image."""
        flat = [flatten_rgba(image) for image in images]
        return self._embed_batches(flat, self._image_batch)

    def _image_batch(self, images: list[Any]) -> Any:
        inputs = self.processor(images=images, return_tensors="pt").to(self.device)
        if hasattr(self.model, "get_image_features"):
            return _features(self.model.get_image_features(pixel_values=inputs["pixel_values"]))
        return _features(self.model(pixel_values=inputs["pixel_values"]))

    def _embed_batches(self, items: Sequence[Any], embed: Callable[[list[Any]], Any]) -> np.ndarray:
        if not items:
            raise ValueError("nothing to embed")
        chunks = []
        with self._torch.inference_mode():
            for start in range(0, len(items), self.batch_size):
                batch = embed(list(items[start : start + self.batch_size]))
                chunks.append(batch.float().cpu().numpy())
        return l2_normalise(np.concatenate(chunks).astype(np.float64))


@register_backend
class SiglipBackend(TransformersBackend):
    """SigLIP / SigLIP-2 (or CLIP): images and texts in one space.

    Texts are padded to the model's maximum length, as SigLIP was trained.
    """

    name = "siglip"
    supports_text = True

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector per text."""
        return self._embed_batches(list(texts), self._text_batch)

    def _text_batch(self, texts: list[str]) -> Any:
        inputs = self.processor(text=texts, padding="max_length", truncation=True, return_tensors="pt").to(self.device)
        return _features(self.model.get_text_features(**inputs))


@register_backend
class DinoBackend(TransformersBackend):
    """DINOv2 / DINOv3 image features (images only)."""

    name = "dino"


# --- Uni3D (point clouds) ---------------------------------------------------


def _import_uni3d() -> Any:
    try:
        from metrics import uni3d
    except ImportError as exc:
        raise BackendUnavailable(f"the uni3d backend needs torch ({TRANSFORMERS_REQUIREMENTS}) ({exc})") from exc
    return uni3d


@register_backend
class Uni3DBackend(EmbeddingBackend):
    """Uni3D point-cloud embeddings; texts through a paired text tower, if given.

    ``weights_dir`` holds ``config.json`` and ``model.pt`` (layout and key
    mapping in :mod:`metrics.uni3d`). A text model saved with
    transformers in ``weights_dir/text/`` (a CLIP or SigLIP model, loaded as
    the ``siglip`` backend loads it) embeds texts, if its embeddings have
    Uni3D's size; :attr:`text` is ``None`` without one. Uni3D embeds no images.

    Parameters
    ----------
    weights_dir : str or pathlib.Path
        The Uni3D weights directory.
    device : str
        Torch device.
    """

    name = "uni3d"
    supports_point_clouds = True

    def __init__(self, weights_dir: str | Path, *, device: str = "cpu") -> None:
        super().__init__(weights_dir)
        _check_weights_dir(self.weights_dir)
        self._uni3d = _import_uni3d()
        self.device = device
        self.model = self._uni3d.load_encoder(self.weights_dir, device=device)
        self.config = self.model.config
        self.text: EmbeddingBackend | None = None
        text_dir = self.weights_dir / "text"
        if text_dir.is_dir():
            self.text = SiglipBackend(text_dir, device=device)
            size = self.text.embed_texts(["a"]).shape[1]
            if size != self.config.embed_dim:
                raise WeightsNotFound(
                    f"{text_dir}: text embeddings of size {size}, Uni3D's have {self.config.embed_dim}: "
                    "not the text tower this Uni3D model was aligned with"
                )

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Uni3D compares shapes with images through a CLIP image tower, not configured here."""
        raise BackendError(f"backend {self.name!r} does not embed images")

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector per text, from the paired text tower."""
        if self.text is None:
            raise BackendError(f"backend {self.name!r} has no text tower (none in {self.weights_dir / 'text'})")
        return self.text.embed_texts(texts)

    def embed_point_clouds(self, clouds: Sequence[np.ndarray]) -> np.ndarray:
        """Return one unit vector per ``(n, 3)`` cloud (any order of its points)."""
        return np.asarray(self._uni3d.embed_clouds(self.model, clouds, device=self.device))
