"""Clay views frame the whole shape: nothing touches the image border, whatever its proportions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool

# A box of the given size (Blender metres, x y z) whose centre is at ``location``.
BOX = """\
import bpy
bpy.ops.mesh.primitive_cube_add(size=1.0, location={location})
bpy.context.active_object.scale = {size}
"""
SHAPES = {
    "column": ((0.1, 0.1, 3.0), (0.0, 0.0, 0.0)),
    "beam": ((3.0, 0.1, 0.1), (0.0, 0.0, 0.0)),
    "slab": ((3.0, 3.0, 0.02), (0.0, 0.0, 0.0)),
    "off_centre": ((0.5, 2.0, 1.0), (5.0, -3.0, 2.0)),
}
SIZE = 64


@pytest.fixture(scope="module")
def fit_pool() -> Iterator[RenderPool]:
    """One worker rendering all four views, small, with the default framing."""
    with RenderPool(RenderConfig(workers=1, views=4, size=SIZE, timeout_s=60)) as shared:
        yield shared


def _render(pool: RenderPool, tmp_path: Path, name: str) -> dict[Path, np.ndarray]:
    size, location = SHAPES[name]
    script = tmp_path / f"{name}.py"
    script.write_text(BOX.format(size=size, location=location), encoding="utf-8")
    result = pool.run(script, tmp_path / name)
    assert result["status"] == "ok", result["error"]
    views = [tmp_path / name / view for view in result["files"]["views"]]
    return {view: np.asarray(Image.open(view).getchannel("A")) for view in views}


def _border(alpha: np.ndarray) -> np.ndarray:
    """The outermost rows and columns of an image."""
    return np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_it_keeps_every_view_of_a_shape_off_the_image_border(fit_pool, tmp_path: Path, name: str) -> None:
    views = _render(fit_pool, tmp_path, name)
    assert len(views) == 4
    for view, alpha in views.items():
        assert alpha.max() > 128, f"{view.name}: the shape is not in the image"
        assert _border(alpha).max() == 0, f"{view.name}: the shape touches the border"


def test_it_fills_most_of_the_frame(fit_pool, tmp_path: Path) -> None:
    # Fitting the box must not shrink the shape to a dot: the slab's view spans most of the width.
    for alpha in _render(fit_pool, tmp_path, "slab").values():
        columns = np.flatnonzero(alpha.max(axis=0) > 0)
        assert columns[-1] - columns[0] > 0.7 * SIZE


def test_it_keeps_the_reference_camera_when_asked(tmp_path: Path) -> None:
    # The reference camera stands at 1.8x the largest dimension: a 3 m slab seen across its diagonal
    # is wider than its frame, so it crosses the border of the 45 degree view.
    config = RenderConfig(workers=1, views=1, size=SIZE, timeout_s=60, framing="reference")
    with RenderPool(config) as reference:
        (alpha,) = _render(reference, tmp_path, "slab").values()
    assert _border(alpha).max() == 255


def test_it_refuses_an_unknown_framing() -> None:
    with pytest.raises(ValueError, match="framing must be 'fit' or 'reference'"):
        RenderConfig(framing="tight")
