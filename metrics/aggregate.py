"""Model-level aggregation of per-asset metrics, and the metric catalogue.

A model's assets either executed (and have a metric value) or failed (no
value: the script raised, timed out, built no mesh, or the metric is
undefined for the asset). Two model-level summaries follow the reference
benchmark:

- the *conditional mean* over the assets that have a value;
- the *penalised mean* over all assets, where each failure counts as the
  worst value observed: for a lower-is-better metric the largest observed
  value times the metric's penalty factor (1.5 for Chamfer distance), for a
  higher-is-better metric the smallest observed value.

"Observed" should mean observed over the whole benchmark (every model, same
task), so that models are penalised on one scale: compute it with
:func:`worst_observed` and pass it in. Without it, the model's own worst
value is used.

:func:`model_means` is the one implementation: every model at once, on the
data or on bootstrap resamples (the correlation page uses it so); the
one-model helpers are views of it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class MetricInfo:
    """How to read and aggregate one metric.

    Attributes
    ----------
    name : str
        Key used in stored results and JSON output.
    label : str
        Short human label.
    higher_is_better : bool
        Direction of the metric.
    unit : str
        Unit or range, for display.
    description : str
        One or two sentences for the correlation page.
    failure_penalty_factor : float
        For a lower-is-better metric, failures count as this times the worst
        observed value; ignored when higher is better (failures count as the
        minimum observed).
    direction_assumed : bool
        True for a metric outside the catalogue whose direction nobody
        declared: it is read as higher-is-better, which may be wrong.
    """

    name: str
    label: str
    higher_is_better: bool
    unit: str
    description: str
    failure_penalty_factor: float = 1.0
    direction_assumed: bool = False


_CATALOGUE = (
    MetricInfo(
        "executability",
        "Executability",
        True,
        "fraction",
        "Share of a model's scripts that ran and produced a mesh. Computed from execution statuses, not from shapes.",
    ),
    MetricInfo(
        "chamfer",
        "Chamfer distance (no rotation)",
        False,
        "squared distance, unit-sphere frame",
        "Mean squared nearest-neighbour distance both ways (summed) between 8192 "
        "surface samples of the asset and of the reference, each centred and "
        "scaled into the unit sphere.",
        1.5,
    ),
    MetricInfo(
        "chamfer_yaw_min",
        "Chamfer distance (best yaw)",
        False,
        "squared distance, unit-sphere frame",
        "Chamfer distance minimised over yaw rotations of 0, 90, 180 and 270 "
        "degrees of the asset about the vertical axis, as in the reference "
        "benchmark. Failures count as 1.5x the worst observed value.",
        1.5,
    ),
    MetricInfo(
        "fscore",
        "F-score",
        True,
        "0-1",
        "Harmonic mean of precision and recall of surface samples matched within "
        "0.05 in the unit-sphere frame, at the best yaw.",
    ),
    MetricInfo(
        "normal_consistency",
        "Normal consistency",
        True,
        "0-1",
        "Mean absolute cosine between the face normals of nearest surface samples, both ways, at the best yaw.",
    ),
    MetricInfo(
        "silhouette_iou",
        "Silhouette IoU",
        True,
        "0-1",
        "Intersection over union of the asset's and the reference's silhouettes "
        "in clay renders from the same four cameras, averaged over views.",
    ),
    MetricInfo(
        "ssim",
        "SSIM",
        True,
        "-1-1",
        "Structural similarity of the grey clay renders of the asset and the "
        "reference from the same four cameras, averaged over views.",
    ),
    MetricInfo(
        "siglip_render_paired",
        "SigLIP render similarity (paired views)",
        True,
        "cosine",
        "Cosine between SigLIP image embeddings of the asset's and the "
        "reference's renders from the same camera, averaged over views.",
    ),
    MetricInfo(
        "siglip_render_best",
        "SigLIP render similarity (best assignment)",
        True,
        "cosine",
        "As the paired SigLIP similarity, with views matched one-to-one by the "
        "assignment that maximises the total cosine.",
    ),
    MetricInfo(
        "dino_render_paired",
        "DINO render similarity (paired views)",
        True,
        "cosine",
        "Cosine between DINO image embeddings of the asset's and the reference's "
        "renders from the same camera, averaged over views.",
    ),
    MetricInfo(
        "dino_render_best",
        "DINO render similarity (best assignment)",
        True,
        "cosine",
        "As the paired DINO similarity, with views matched one-to-one by the "
        "assignment that maximises the total cosine.",
    ),
    MetricInfo(
        "siglip_text_render",
        "SigLIP text-render similarity",
        True,
        "cosine",
        "Cosine between the SigLIP embedding of the prompt text and of each render of the asset, averaged over views.",
    ),
    MetricInfo(
        "uni3d_similarity",
        "Uni3D shape similarity",
        True,
        "cosine",
        "Cosine between the Uni3D point-cloud embeddings of the asset's and the "
        "reference's surface samples (10,000 points, unit sphere, Y up).",
    ),
    MetricInfo(
        "uni3d_text",
        "Uni3D text-shape similarity",
        True,
        "cosine",
        "Cosine between the Uni3D embedding of the asset's surface samples and "
        "the paired text model's embedding of the prompt text.",
    ),
)

METRICS: Mapping[str, MetricInfo] = {metric.name: metric for metric in _CATALOGUE}
_ANY = MetricInfo("any", "any", True, "", "")  # the conditional mean does not depend on the direction


def metric_info(name: str, *, higher_is_better: bool | None = None) -> MetricInfo:
    """Return the catalogue entry of a metric, or a plain one for a metric outside it.

    Parameters
    ----------
    name : str
        Metric key, e.g. ``"chamfer"`` or an imported ``"uni3d_3d3d"``.
    higher_is_better : bool, optional
        Direction declared for a metric outside the catalogue (ignored for a
        catalogue metric, whose direction is fixed). Without it the metric is
        taken as higher-is-better and ``direction_assumed`` is set.

    Returns
    -------
    MetricInfo
        For a metric outside the catalogue: no unit, penalty factor 1.
    """
    if name in METRICS:
        return METRICS[name]
    assumed = higher_is_better is None
    return MetricInfo(
        name,
        name.replace("_", " "),
        True if higher_is_better is None else higher_is_better,
        "",
        "Imported metric; direction not declared, taken as higher is better." if assumed else "Imported metric.",
        direction_assumed=assumed,
    )


def _observed(values: Iterable[float | None]) -> np.ndarray:
    return np.array([v for v in values if v is not None and np.isfinite(v)], dtype=np.float64)


def model_means_of(
    values: Sequence[float | None], metric: MetricInfo, worst: float | None
) -> tuple[float | None, float | None]:
    """:func:`model_means` of one model's values (None or NaN for a failure), as plain numbers."""
    array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    conditional, penalised = model_means([array], [np.ones(array.size, dtype=bool)], metric, given_worst=worst)
    return tuple(None if not np.isfinite(x) else float(x) for x in (conditional[0], penalised[0]))  # type: ignore[return-value]


def conditional_mean(values: Sequence[float | None]) -> float | None:
    """Return the mean over assets that have a value (failures are skipped).

    Parameters
    ----------
    values : sequence of float or None
        One entry per asset; ``None`` (or NaN) for a failure.

    Returns
    -------
    float or None
        ``None`` when no asset has a value.
    """
    return model_means_of(values, _ANY, None)[0]


def worst_observed(values: Iterable[float | None], *, higher_is_better: bool) -> float | None:
    """Return the worst value among those observed, or ``None`` if there are none.

    Parameters
    ----------
    values : iterable of float or None
        Values from every model of a benchmark, ``None`` for failures.
    higher_is_better : bool
        Direction of the metric: the worst is the minimum if true, else the
        maximum.
    """
    observed = _observed(values)
    if not observed.size:
        return None
    return float(observed.min() if higher_is_better else observed.max())


def failure_value(metric: MetricInfo, worst: float) -> float:
    """Return the value a failed asset counts as, given the worst observed."""
    if metric.higher_is_better:
        return worst
    return metric.failure_penalty_factor * worst


def penalised_mean(values: Sequence[float | None], metric: MetricInfo, *, worst: float | None = None) -> float | None:
    """Return the mean over all assets, failures counting as the worst value.

    Parameters
    ----------
    values : sequence of float or None
        One entry per asset of the model; ``None`` (or NaN) for a failure.
    metric : MetricInfo
        The metric's direction and penalty factor.
    worst : float, optional
        Worst value observed over the benchmark (see :func:`worst_observed`);
        defaults to the worst of ``values``.

    Returns
    -------
    float or None
        ``None`` when there are no assets, or when every asset failed and no
        ``worst`` was given.
    """
    if not values:
        return None
    return model_means_of(values, metric, worst)[1]


def model_means(
    values: Sequence[ArrayLike],
    present: Sequence[ArrayLike],
    direction: MetricInfo,
    indices: Sequence[np.ndarray] | None = None,
    given_worst: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Conditional and penalised means of each model, on the data or on resamples.

    Parameters
    ----------
    values : sequence of array_like
        One array per model of its per-asset values, NaN for a failure.
    present : sequence of array_like of bool
        Same shapes: false where the value is unknown (the asset is ignored).
    direction : MetricInfo
        Direction and failure penalty factor of the metric.
    indices : sequence of numpy.ndarray, optional
        Per model, ``(rounds, k)`` resampled asset indices (see
        ``leaderboard.correlation.resample_indices``); without them, the means of the data.

    Returns
    -------
    conditional, penalised : numpy.ndarray
        Shape ``(n_models,)`` without ``indices``, else ``(rounds, n_models)``;
        NaN where a mean is undefined. The penalised mean counts each failure
        as the worst value observed over *all* models (of the round): the
        largest times the penalty factor if lower is better, else the
        smallest. `given_worst` overrides it (a value observed over a whole benchmark).
    """
    point = indices is None
    vals, pres = [], []
    for k, (v, p) in enumerate(zip(values, present, strict=True)):
        v_arr, p_arr = np.asarray(v, dtype=np.float64), np.asarray(p, dtype=bool)
        if point:
            vals.append(v_arr[None, :])
            pres.append(p_arr[None, :])
        else:
            idx = indices[k]  # type: ignore[index]
            vals.append(v_arr[idx])
            pres.append(p_arr[idx])
    rounds = vals[0].shape[0] if vals else 0
    n = len(vals)
    # Worst observed value per round over every model (unless given).
    observed = [np.where(p & np.isfinite(v), v, np.nan) for v, p in zip(vals, pres, strict=True)]
    if given_worst is not None:
        worst = np.full(rounds, float(given_worst))
    elif any(obs.shape[1] for obs in observed):
        stacked = np.concatenate(observed, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-failed round is expected
            worst = np.nanmin(stacked, axis=1) if direction.higher_is_better else np.nanmax(stacked, axis=1)
    else:
        worst = np.full(rounds, np.nan)
    fail_value = worst if direction.higher_is_better else direction.failure_penalty_factor * worst
    conditional = np.full((rounds, n), np.nan)
    penalised = np.full((rounds, n), np.nan)
    for k, (obs, p) in enumerate(zip(observed, pres, strict=True)):
        counted = p.sum(axis=1)
        good = np.isfinite(obs)
        n_good = good.sum(axis=1)
        total = np.where(good, obs, 0.0).sum(axis=1)
        failures = counted - n_good
        with np.errstate(invalid="ignore", divide="ignore"):
            conditional[:, k] = np.where(n_good > 0, total / np.maximum(n_good, 1), np.nan)
            pen_total = total + np.where(failures > 0, failures * fail_value, 0.0)
            penalised[:, k] = np.where(counted > 0, pen_total / np.maximum(counted, 1), np.nan)
    if point:
        return conditional[0], penalised[0]
    return conditional, penalised
