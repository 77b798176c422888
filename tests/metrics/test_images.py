"""Silhouette IoU and SSIM between an asset's views and the reference's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from metrics.images import (
    VIEW_NAMES,
    ViewsError,
    compare_view_dirs,
    compare_views,
    flatten_rgba,
    grey_on_background,
    rgba_array,
    silhouette_iou,
)

from .shapes import clay_view, write_views


def test_it_scores_identical_views_as_a_perfect_match(tmp_path: Path) -> None:
    asset = write_views(tmp_path / "asset")
    reference = write_views(tmp_path / "reference")
    metrics = compare_view_dirs(asset, reference)
    assert metrics.silhouette_iou == 1.0
    assert metrics.ssim == pytest.approx(1.0)
    assert [v.view for v in metrics.views] == list(VIEW_NAMES)


def test_it_scores_a_shifted_silhouette_lower(tmp_path: Path) -> None:
    reference = write_views(tmp_path / "reference")
    slightly = compare_view_dirs(write_views(tmp_path / "slightly", [4, 4, 4, 4]), reference)
    far = compare_view_dirs(write_views(tmp_path / "far", [16, 16, 16, 16]), reference)
    assert far.silhouette_iou is not None and slightly.silhouette_iou is not None
    assert far.silhouette_iou < slightly.silhouette_iou < 1.0
    assert far.ssim < slightly.ssim < 1.0


def test_it_reports_each_view_and_their_mean(tmp_path: Path) -> None:
    reference = write_views(tmp_path / "reference")
    metrics = compare_view_dirs(write_views(tmp_path / "asset", [0, 8, 0, 8]), reference)
    ious = [v.silhouette_iou for v in metrics.views]
    assert ious[0] == 1.0 and ious[2] == 1.0
    assert ious[1] == ious[3] and ious[1] is not None and ious[1] < 1.0
    assert metrics.silhouette_iou == pytest.approx(np.mean(ious))  # type: ignore[arg-type]
    assert metrics.ssim == pytest.approx(np.mean([v.ssim for v in metrics.views]))
    as_dict = metrics.as_dict()
    assert set(as_dict["views"]) == set(VIEW_NAMES)
    assert as_dict["views"]["view_135.png"]["silhouette_iou"] == ious[1]


def test_it_computes_iou_from_alpha_only() -> None:
    dark = rgba_array(clay_view(shade=20))
    light = rgba_array(clay_view(shade=240))
    scores = compare_views(dark, light)
    assert scores.silhouette_iou == 1.0
    assert scores.ssim < 1.0


def test_it_leaves_iou_undefined_when_both_views_are_empty() -> None:
    empty = np.zeros((8, 8), dtype=bool)
    assert silhouette_iou(empty, empty) is None


def test_it_composites_transparent_pixels_on_the_neutral_grey() -> None:
    transparent = np.zeros((2, 2, 4))
    assert np.allclose(grey_on_background(transparent), 0.5)
    flat = flatten_rgba(Image.new("RGBA", (2, 2), (255, 0, 0, 0)))
    assert flat.mode == "RGB" and flat.getpixel((0, 0)) == (128, 128, 128)


def test_it_names_a_missing_view(tmp_path: Path) -> None:
    reference = write_views(tmp_path / "reference")
    asset = write_views(tmp_path / "asset")
    (asset / "view_225.png").unlink()
    with pytest.raises(ViewsError, match="view_225.png: view image not found"):
        compare_view_dirs(asset, reference)


def test_it_names_a_view_whose_size_differs(tmp_path: Path) -> None:
    reference = write_views(tmp_path / "reference")
    asset = write_views(tmp_path / "asset")
    clay_view(size=64).save(asset / "view_045.png")
    with pytest.raises(ViewsError, match="view_045.png: size 64x64 differs"):
        compare_view_dirs(asset, reference)


def test_it_names_a_file_that_is_not_an_image(tmp_path: Path) -> None:
    reference = write_views(tmp_path / "reference")
    asset = write_views(tmp_path / "asset")
    (asset / "view_315.png").write_text("not a png")
    with pytest.raises(ViewsError, match="view_315.png: not a readable image"):
        compare_view_dirs(asset, reference)
