"""What every embedding backend shares: its errors and unit-length vectors.

Its own module so that the backends (`metrics.embeddings`) and the Uni3D
encoder they load lazily (`metrics.uni3d`) both build on it without importing
each other.
"""

from __future__ import annotations

import numpy as np


class BackendError(RuntimeError):
    """A backend cannot be created or cannot embed the given input."""


class BackendUnavailable(BackendError):
    """A backend's optional dependencies are not installed."""


class WeightsNotFound(BackendError):
    """The local weights directory is missing or incomplete."""


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0.0, norms, 1.0)
