"""Automatic metrics that compare a generated 3D asset with its reference.

Pure Python (NumPy, SciPy, trimesh, Pillow, scikit-image); no Django, no
Blender. Submodules:

- :mod:`renderer.metrics.geometry`: Chamfer distance, F-score, normal
  consistency between two meshes;
- :mod:`renderer.metrics.images`: silhouette IoU and SSIM between clay renders;
- :mod:`renderer.metrics.embeddings`: learned-embedding similarity through
  pluggable backends with local weights;
- :mod:`renderer.metrics.aggregate`: model-level means and the metric catalogue.

Submodules are not imported here, so that ``python -m renderer.metrics.bench``
can limit threads before NumPy loads. See ``docs/metrics.md``.
"""
