"""What this installation can compute: the metric names, and the learned backends an operator installed.

Learned-embedding metrics run only for backends whose weights an operator put
under `METRICS_WEIGHTS_DIR/<backend>/` (e.g. `siglip/`, `dino/`); the Uni3D
point-cloud metrics only when `METRICS_UNI3D_DIR` names a Uni3D directory.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.conf import settings

GEOMETRY_METRICS = ("chamfer", "chamfer_yaw_min", "fscore", "normal_consistency")
IMAGE_METRICS = ("silhouette_iou", "ssim")
# Backend name -> the metrics it gives (text-render only for text-and-image models).
EMBEDDING_METRICS = {
    "siglip": ("siglip_render_paired", "siglip_render_best", "siglip_text_render"),
    "dino": ("dino_render_paired", "dino_render_best"),
}
# Uni3D: shape-shape cosine, and text-shape cosine when a text tower is paired with it.
POINT_CLOUD_METRICS = ("uni3d_similarity", "uni3d_text")
BASE_METRICS = ("executability", *GEOMETRY_METRICS, *IMAGE_METRICS)

_backends: dict[tuple[str, str], Any] = {}
_backends_lock = threading.Lock()


class UnknownMetric(ValueError):
    """A metric name that this installation cannot compute."""


def weights_dir() -> Path | None:
    value = getattr(settings, "METRICS_WEIGHTS_DIR", "")
    return Path(value) if value else None


def embedding_backends_configured() -> dict[str, Path]:
    """Backends whose weights folder exists (with a config.json), by name."""
    root = weights_dir()
    if root is None:
        return {}
    found = {}
    for name in EMBEDDING_METRICS:
        folder = root / name
        if (folder / "config.json").is_file():
            found[name] = folder
    return found


def uni3d_dir() -> Path | None:
    """The Uni3D weights folder, if `METRICS_UNI3D_DIR` names one with a config.json."""
    value = getattr(settings, "METRICS_UNI3D_DIR", "")
    folder = Path(value) if value else None
    return folder if folder is not None and (folder / "config.json").is_file() else None


def metric_names_available() -> list[str]:
    """Every metric this installation computes, in catalogue order."""
    names = list(BASE_METRICS)
    for backend in embedding_backends_configured():
        names.extend(EMBEDDING_METRICS[backend])
    folder = uni3d_dir()
    if folder is not None:
        names.append("uni3d_similarity")
        if (folder / "text" / "config.json").is_file():
            names.append("uni3d_text")
    return names


def backend_load(name: str, folder: Path) -> Any:
    from metrics.embeddings import create_backend

    key = (name, str(folder))
    with _backends_lock:  # loading a model is slow: once per process
        if key not in _backends:
            _backends[key] = create_backend(name, folder)
        return _backends[key]
