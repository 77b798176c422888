"""Model-level means of per-asset metrics, and the metric catalogue."""

from __future__ import annotations

import pytest

from metrics.aggregate import (
    METRICS,
    conditional_mean,
    failure_value,
    metric_info,
    penalised_mean,
    worst_observed,
)

CHAMFER = METRICS["chamfer_yaw_min"]
SIMILARITY = METRICS["siglip_render_paired"]


def test_it_averages_only_executed_assets_for_the_conditional_mean() -> None:
    assert conditional_mean([0.1, None, 0.3, float("nan")]) == pytest.approx(0.2)
    assert conditional_mean([None, None]) is None
    assert conditional_mean([]) is None


def test_it_counts_a_failed_chamfer_as_one_and_a_half_times_the_worst() -> None:
    # Worst observed 0.4 -> a failure counts 0.6: (0.2 + 0.4 + 0.6) / 3.
    assert penalised_mean([0.2, 0.4, None], CHAMFER) == pytest.approx(0.4)


def test_it_counts_a_failed_similarity_as_the_minimum_observed() -> None:
    assert penalised_mean([0.9, 0.5, None, None], SIMILARITY) == pytest.approx((0.9 + 0.5 + 0.5 + 0.5) / 4)


def test_it_penalises_with_the_benchmark_wide_worst_when_given() -> None:
    everyone = [0.1, 0.2, None, 0.8, None]
    worst = worst_observed(everyone, higher_is_better=False)
    assert worst == 0.8
    assert penalised_mean([0.1, None], CHAMFER, worst=worst) == pytest.approx((0.1 + 1.2) / 2)
    assert penalised_mean([None, None], CHAMFER, worst=worst) == pytest.approx(1.2)
    assert worst_observed([0.3, 0.7, None], higher_is_better=True) == 0.3


def test_it_leaves_the_penalised_mean_undefined_without_any_value() -> None:
    assert penalised_mean([None, None], CHAMFER) is None
    assert penalised_mean([], CHAMFER) is None


def test_it_needs_no_penalty_when_everything_ran() -> None:
    values = [0.2, 0.4, 0.9]
    assert penalised_mean(values, CHAMFER) == pytest.approx(conditional_mean(values))  # type: ignore[arg-type]


def test_it_describes_every_metric_with_a_direction() -> None:
    assert {"chamfer", "chamfer_yaw_min", "fscore", "normal_consistency", "silhouette_iou", "ssim"} <= set(METRICS)
    for name, metric in METRICS.items():
        assert metric.name == name
        assert metric.label and metric.unit and metric.description
    assert not CHAMFER.higher_is_better and CHAMFER.failure_penalty_factor == 1.5
    assert METRICS["fscore"].higher_is_better
    assert failure_value(CHAMFER, 2.0) == 3.0 and failure_value(SIMILARITY, 0.2) == 0.2


def test_it_reads_a_declared_direction_for_a_metric_outside_the_catalogue() -> None:
    declared = metric_info("uni3d_distance", higher_is_better=False)
    assert not declared.higher_is_better and not declared.direction_assumed
    # Failures of a lower-is-better metric count as the largest value seen.
    assert penalised_mean([0.2, None], declared, worst=0.6) == pytest.approx(0.4)
    assumed = metric_info("uni3d_distance")
    assert assumed.higher_is_better and assumed.direction_assumed
    assert penalised_mean([0.2, None], assumed, worst=0.1) == pytest.approx(0.15)


def test_it_keeps_the_catalogue_direction_of_a_built_in_metric() -> None:
    assert metric_info("chamfer", higher_is_better=True) is METRICS["chamfer"]
    assert not metric_info("chamfer").direction_assumed


def test_every_metric_this_project_computes_is_in_the_catalogue_with_its_direction():
    from metrics import backends
    from metrics.aggregate import METRICS

    computed = [*backends.BASE_METRICS, *backends.POINT_CLOUD_METRICS]
    computed += [name for names in backends.EMBEDDING_METRICS.values() for name in names]
    missing = [name for name in computed if name not in METRICS]
    assert not missing, f"metrics computed but not described: {missing}"
    assert not any(METRICS[name].direction_assumed for name in computed)
