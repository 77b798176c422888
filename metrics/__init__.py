"""The metrics app: automatic metrics that compare a generated 3D asset with its reference.

The Django side is `models.py` (the stored values), `services.py` (scoring
stored assets), `backends.py` (what this installation can compute),
`imports.py` (values computed elsewhere), `tasks.py` and the commands. The
metric functions are pure Python (NumPy, SciPy, trimesh, Pillow,
scikit-image); no Django, no Blender:

- :mod:`metrics.geometry`: Chamfer distance, F-score, normal
  consistency between two meshes;
- :mod:`metrics.images`: silhouette IoU and SSIM between clay renders;
- :mod:`metrics.embeddings`: learned-embedding similarity through
  pluggable backends with local weights;
- :mod:`metrics.uni3d`: the Uni3D point-cloud encoder;
- :mod:`metrics.vectors`: the backends' errors and unit-length vectors;
- :mod:`metrics.aggregate`: model-level means and the metric catalogue.

Submodules are not imported here, so that ``python -m metrics.bench``
can limit threads before NumPy loads. See ``docs/metrics.md``.
"""
