"""Driving the arena page in Debian's Chromium, and the assets the pages show.

Chromium draws WebGL on the CPU (SwiftShader), so the pages render the same
on any machine without a GPU. Playwright's own browser download is never used.
"""

from __future__ import annotations

import io
import math
import time
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# Pretends WebGL does not exist, as on a browser with it turned off.
NO_WEBGL_SCRIPT = """
(() => {
  const original = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    if (String(type).startsWith("webgl") || type === "experimental-webgl") return null;
    return original.call(this, type, ...rest);
  };
})();
"""

# The share of a canvas's pixels that the model covers: the stage's canvas is
# transparent wherever there is no model.
COVERAGE_SCRIPT = """
(side) => {
  const source = document.querySelector(`#stage-${side} canvas`);
  if (!source || source.hidden || !source.width) return null;
  const probe = document.createElement("canvas");
  probe.width = source.width;
  probe.height = source.height;
  const context = probe.getContext("2d");
  context.drawImage(source, 0, 0);
  const data = context.getImageData(0, 0, probe.width, probe.height).data;
  let covered = 0;
  for (let i = 3; i < data.length; i += 4) covered += data[i] > 32;
  return covered / (probe.width * probe.height);
}
"""


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def glb_bytes(geometry: trimesh.parent.Geometry) -> bytes:
    scene = geometry if isinstance(geometry, trimesh.Scene) else trimesh.Scene([geometry])
    return scene.export(file_type="glb")


def shape(kind: str) -> bytes:
    """A small GLB per kind: asymmetric solids (so a turn shows), or lines only."""
    if kind == "chair":
        seat = trimesh.creation.box(extents=(1.0, 0.12, 1.0))
        back = trimesh.creation.box(extents=(1.0, 1.0, 0.12))
        back.apply_translation((0, 0.56, -0.44))
        legs = []
        for x in (-0.42, 0.42):
            for z in (-0.42, 0.42):
                leg = trimesh.creation.box(extents=(0.1, 0.9, 0.1))
                leg.apply_translation((x, -0.5, z))
                legs.append(leg)
        return glb_bytes(trimesh.util.concatenate([seat, back, *legs]))
    if kind == "lamp":
        base = trimesh.creation.cylinder(radius=0.5, height=0.1, sections=48)
        base.apply_transform(trimesh.transformations.rotation_matrix(math.pi / 2, (1, 0, 0)))
        pole = trimesh.creation.cylinder(radius=0.05, height=1.6, sections=24)
        pole.apply_transform(trimesh.transformations.rotation_matrix(math.pi / 2, (1, 0, 0)))
        pole.apply_translation((0, 0.8, 0))
        shade = trimesh.creation.cone(radius=0.45, height=0.5, sections=48)
        shade.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, (1, 0, 0)))
        shade.apply_translation((0.25, 1.35, 0))
        return glb_bytes(trimesh.util.concatenate([base, pole, shade]))
    if kind == "blob":
        sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.8)
        sphere.vertices *= (1.6, 0.8, 1.0)
        return glb_bytes(sphere)
    if kind == "spiral":
        t = np.linspace(0, 6 * math.pi, 200)
        points = np.column_stack([np.cos(t) * (0.3 + t / 20), t / 10, np.sin(t) * (0.3 + t / 20)])
        return glb_bytes(trimesh.load_path(points))
    raise ValueError(kind)


def clay_views(count: int = 4, size: int = 128) -> list[bytes]:
    """Stand-ins for clay renders: a grey shape that turns from view to view."""
    views = []
    for index in range(count):
        image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        width = size * (0.25 + 0.12 * index)
        draw.rectangle((size / 2 - width / 2, size * 0.2, size / 2 + width / 2, size * 0.85), fill=(184, 184, 188, 255))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        views.append(buffer.getvalue())
    return views


def png_bytes(size: int = 96, color: tuple[int, int, int] = (120, 90, 60)) -> bytes:
    image = Image.new("RGB", (size, size), (240, 240, 236))
    ImageDraw.Draw(image).ellipse((12, 12, size - 12, size - 12), fill=color)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def wait_ready(page, pairs: int = 1, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page shows its `pairs`-th pair and accepts a vote."""
    page.wait_for_function(
        "(n) => window.arenaState && arenaState.phase === 'ready' && arenaState.pairs >= n", arg=pairs, timeout=timeout
    )


def wait_drawn(page, timeout: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "() => ['a', 'b'].every((s) => document.querySelector(`#stage-${s} canvas`).dataset.rendered === '1')",
        timeout=timeout,
    )
    # One more frame so the drawing buffer holds the settled picture.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def coverage(page, side: str) -> float | None:  # type: ignore[no-untyped-def]
    return page.evaluate(COVERAGE_SCRIPT, side)


def camera(page, side: str) -> dict:  # type: ignore[no-untyped-def]
    return page.evaluate("(side) => arenaState.viewers[side].cameraState()", side)


def settle(page, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until both cameras stop moving (the orbit has some inertia)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        still = page.evaluate(
            """() => new Promise((done) => {
                 const snap = () => JSON.stringify(arenaState.cameras());
                 const first = snap();
                 setTimeout(() => done(snap() === first), 300);
               })"""
        )
        if still:
            return
    raise AssertionError("the cameras kept moving")


def drag(page, side: str, dx: float, dy: float = 0.0) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(f"#stage-{side}").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=12)
    page.mouse.up()


def angle(u: list[float], v: list[float]) -> float:
    """Degrees between two directions."""
    cos = float(np.clip(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)), -1.0, 1.0))
    return math.degrees(math.acos(cos))
