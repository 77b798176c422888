"""Image metrics between an asset's clay renders and its reference's renders.

Both sets of views come from the same cameras (``view_045.png`` ...
``view_315.png``, RGBA on a transparent background), so view ``k`` of the
asset is compared with view ``k`` of the reference:

- silhouette IoU: intersection over union of the masks ``alpha > threshold``;
- SSIM: structural similarity of the two views in grey, each composited on
  the same neutral background first (so that the background counts as a flat
  area in both).

Each metric is reported per view and as the mean over views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError
from skimage.metrics import structural_similarity

VIEW_NAMES = ("view_045.png", "view_135.png", "view_225.png", "view_315.png")
DEFAULT_ALPHA_THRESHOLD = 0.5
# Mid grey: neither the clay's light tones nor its shadows blend into it.
DEFAULT_BACKGROUND = 0.5

# ITU-R BT.601 luma weights, the ones PIL uses for mode "L".
_LUMA = np.array([0.299, 0.587, 0.114])


class ViewsError(ValueError):
    """A view image is missing, unreadable, or does not match its pair."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        super().__init__(f"{self.path}: {message}")


@dataclass(frozen=True)
class ViewScores:
    """Image metrics of one view.

    Attributes
    ----------
    view : str
        File name of the view.
    silhouette_iou : float or None
        ``None`` when neither silhouette has a pixel (IoU is undefined).
    ssim : float
        Structural similarity in ``[-1, 1]``.
    """

    view: str
    silhouette_iou: float | None
    ssim: float


@dataclass(frozen=True)
class ImageMetrics:
    """Image metrics of an asset's views against the reference's.

    Attributes
    ----------
    silhouette_iou : float or None
        Mean silhouette IoU over the views where it is defined.
    ssim : float
        Mean SSIM over the views.
    views : list of ViewScores
        Per-view values, in camera order.
    """

    silhouette_iou: float | None
    ssim: float
    views: list[ViewScores] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the metrics as a JSON-ready dictionary."""
        return {
            "silhouette_iou": self.silhouette_iou,
            "ssim": self.ssim,
            "views": {v.view: {"silhouette_iou": v.silhouette_iou, "ssim": v.ssim} for v in self.views},
        }


def rgba_array(image: Image.Image) -> np.ndarray:
    """Return an image as an ``(h, w, 4)`` float array in ``[0, 1]``."""
    return np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0


def silhouette(rgba: np.ndarray, threshold: float = DEFAULT_ALPHA_THRESHOLD) -> np.ndarray:
    """Return the boolean mask of pixels whose alpha exceeds ``threshold``."""
    return rgba[..., 3] > threshold


def silhouette_iou(mask_a: np.ndarray, mask_b: np.ndarray) -> float | None:
    """Return the intersection over union of two masks.

    Returns
    -------
    float or None
        ``None`` when both masks are empty.
    """
    union = int(np.count_nonzero(mask_a | mask_b))
    if union == 0:
        return None
    return int(np.count_nonzero(mask_a & mask_b)) / union


def grey_on_background(rgba: np.ndarray, background: float = DEFAULT_BACKGROUND) -> np.ndarray:
    """Composite an RGBA image on a flat grey and return its luma in ``[0, 1]``."""
    alpha = rgba[..., 3]
    luma = rgba[..., :3] @ _LUMA
    return luma * alpha + background * (1.0 - alpha)


def flatten_rgba(image: Image.Image, background: float = DEFAULT_BACKGROUND) -> Image.Image:
    """Composite an RGBA image on a flat grey and return it as RGB.

    Image encoders drop the alpha channel, and what lies under a transparent
    pixel is arbitrary; compositing first gives every encoder the same input.
    """
    rgba = rgba_array(image)
    rgb = rgba[..., :3] * rgba[..., 3:] + background * (1.0 - rgba[..., 3:])
    return Image.fromarray(np.round(rgb * 255.0).astype(np.uint8))


def ssim_grey(grey_a: np.ndarray, grey_b: np.ndarray) -> float:
    """Return the SSIM of two grey images in ``[0, 1]`` of the same shape."""
    return float(structural_similarity(grey_a, grey_b, data_range=1.0))


def compare_views(
    asset: np.ndarray,
    reference: np.ndarray,
    *,
    view: str = "",
    alpha_threshold: float = DEFAULT_ALPHA_THRESHOLD,
    background: float = DEFAULT_BACKGROUND,
) -> ViewScores:
    """Compare one view of an asset with the same view of the reference.

    Parameters
    ----------
    asset, reference : numpy.ndarray
        ``(h, w, 4)`` RGBA arrays in ``[0, 1]`` of the same shape.
    view : str
        Name recorded in the result.
    alpha_threshold : float
        A pixel belongs to the silhouette when its alpha exceeds this.
    background : float
        Grey level the views are composited on for SSIM.

    Returns
    -------
    ViewScores
    """
    if asset.shape != reference.shape:
        raise ValueError(f"view sizes differ: {asset.shape} vs {reference.shape}")
    return ViewScores(
        view=view,
        silhouette_iou=silhouette_iou(silhouette(asset, alpha_threshold), silhouette(reference, alpha_threshold)),
        ssim=ssim_grey(grey_on_background(asset, background), grey_on_background(reference, background)),
    )


def summarise_views(views: Sequence[ViewScores]) -> ImageMetrics:
    """Average per-view scores (IoU over the views where it is defined)."""
    ious = [v.silhouette_iou for v in views if v.silhouette_iou is not None]
    return ImageMetrics(
        silhouette_iou=float(np.mean(ious)) if ious else None,
        ssim=float(np.mean([v.ssim for v in views])),
        views=list(views),
    )


def load_view(path: str | Path) -> np.ndarray:
    """Read a view image as an RGBA float array.

    Raises
    ------
    ViewsError
        If the file is missing or not an image.
    """
    path = Path(path)
    if not path.is_file():
        raise ViewsError(path, "view image not found")
    try:
        with Image.open(path) as image:
            return rgba_array(image)
    except (UnidentifiedImageError, OSError) as exc:
        raise ViewsError(path, f"not a readable image ({exc})") from exc


def compare_view_dirs(
    asset_dir: str | Path,
    reference_dir: str | Path,
    *,
    views: Sequence[str] = VIEW_NAMES,
    alpha_threshold: float = DEFAULT_ALPHA_THRESHOLD,
    background: float = DEFAULT_BACKGROUND,
) -> ImageMetrics:
    """Compare an asset's views directory with the reference's.

    Parameters
    ----------
    asset_dir, reference_dir : str or pathlib.Path
        Directories holding the view images named in ``views``.
    views : sequence of str
        View file names, the same in both directories.
    alpha_threshold, background
        As for :func:`compare_views`.

    Returns
    -------
    ImageMetrics

    Raises
    ------
    ViewsError
        If a view is missing, unreadable, or its size differs from its pair.
    """
    if not views:
        raise ValueError("no views to compare")
    scores = []
    for name in views:
        asset_path = Path(asset_dir) / name
        asset = load_view(asset_path)
        reference = load_view(Path(reference_dir) / name)
        if asset.shape != reference.shape:
            raise ViewsError(
                asset_path,
                f"size {asset.shape[1]}x{asset.shape[0]} differs from the reference's "
                f"{reference.shape[1]}x{reference.shape[0]}",
            )
        scores.append(
            compare_views(
                asset,
                reference,
                view=name,
                alpha_threshold=alpha_threshold,
                background=background,
            )
        )
    return summarise_views(scores)
