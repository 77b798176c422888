"""Automatic metrics that compare a generated 3D asset with its reference.

Pure Python (NumPy, SciPy, trimesh, Pillow, scikit-image); no Django, no
Blender. Submodules:

- :mod:`metrics.geometry`: Chamfer distance, F-score, normal
  consistency between two meshes;
- :mod:`metrics.images`: silhouette IoU and SSIM between clay renders;
- :mod:`metrics.embeddings`: learned-embedding similarity through
  pluggable backends with local weights;
- :mod:`metrics.aggregate`: model-level means and the metric catalogue.

Submodules are not imported here, so that ``python -m metrics.bench``
can limit threads before NumPy loads. See ``docs/metrics.md``.
"""
