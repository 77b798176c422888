"""The correlation report: how well each automatic metric agrees with human votes.

Computed in the background when snapshots or metrics land (`leaderboard.tasks`:
debounced, on a thread on one machine or on Celery), stored as a
`leaderboard.models.CorrelationReport`, and read by the
correlation page; a web request never computes it. The math lives in
`leaderboard.correlation` (pure); this module loads the data and maps names
to indices.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from arena.broadcast import group_send
from arena.models import FINISHED_STATUSES, Asset, Task
from leaderboard import correlation as corr
from leaderboard import judge_services, selectors
from leaderboard.models import CorrelationReport, ReportStatus, Snapshot
from leaderboard.rating import bootstrap_strengths, elo_scale
from leaderboard.services import GROUP
from metrics import aggregate
from metrics.aggregate import METRICS, MetricInfo
from metrics.backends import embedding_backends_configured, weights_dir
from metrics.models import AssetMetric, GeneratorMetric, ImportedMetric
from renderer.selectors import is_executable

log = logging.getLogger(__name__)

PENDING_KEY = "leaderboard:correlation-pending"
DEFAULT_ROUNDS = 1000
STALE_AFTER = timedelta(minutes=10)
LEARNED_BACKENDS = {"siglip": "SigLIP / SigLIP-2", "dino": "DINOv2 / DINOv3"}


def _rounds() -> int:
    return int(getattr(settings, "CORRELATION_BOOTSTRAP", DEFAULT_ROUNDS))


def metric_info(name: str, directions: dict[str, bool] | None = None) -> MetricInfo:
    """The catalogue entry, or an imported metric with its declared direction (else higher-is-better)."""
    return aggregate.metric_info(name, higher_is_better=(directions or {}).get(name))


def metric_directions() -> dict[str, bool]:
    """Directions declared on import for metrics outside the catalogue (name -> higher is better)."""
    return dict(ImportedMetric.objects.values_list("name", "higher_is_better"))


# ---------------------------------------------------------------------------
# Loading one scope (a task, or all tasks)
# ---------------------------------------------------------------------------


@dataclass
class ScopeData:
    task: str
    category: str
    snapshot: Snapshot
    models: list[str]
    ratings: np.ndarray  # (n,) from the snapshot
    boot_ratings: np.ndarray  # (rounds, n) refitted on resampled votes
    votes_hash: str
    asset_ids: list[list[int]]  # per model, in id order
    status_ok: dict[int, bool]
    values: dict[str, dict[int, float | None]]  # metric -> asset id -> value (None: undefined)
    model_level: dict[str, dict[str, float]]  # imported metric -> model -> value
    votes: list[tuple[int, str, int, int, int]]  # id, winner, asset a, asset b, annotator (decided only)
    directions: dict[str, bool]  # imported metric -> higher is better, where declared
    # Every counted vote's battle: prompt, model ids, model names, asset ids (for the metrics' own boards).
    battles: list[tuple[int, int, int, str, str, int, int]]


def _boot_ratings(
    snapshot: Snapshot, task: str, category: str, models: list[str], rounds: int, seed: int
) -> tuple[np.ndarray, str]:
    battles, votes_hash = selectors.board_battles(task=task, category=category)
    out = np.full((rounds, len(models)), np.nan)
    if len(battles) == 0 or rounds == 0:
        return out, votes_hash
    counts = battles.counts()
    opts = snapshot.options or {}
    strengths = bootstrap_strengths(
        len(counts.models),
        counts.a,
        counts.b,
        counts.outcome,
        counts.count,
        rounds=rounds,
        seed=seed,
        exclude_ties=bool(opts.get("exclude_ties")),
        exclude_bothbad=bool(opts.get("exclude_bothbad")),
        alpha=float(opts.get("alpha") or 0.0),
        workers=1,
    )
    boot = elo_scale(strengths)
    where = {name: k for k, name in enumerate(counts.models)}
    for k, name in enumerate(models):
        if name in where:
            out[:, k] = boot[:, where[name]]
    return out, votes_hash


def scope_load(*, task: str, category: str = "", rounds: int, seed: int) -> ScopeData | None:
    """Load one board (a task or all; a category or all) and everything its report needs."""
    snapshot = selectors.latest_snapshot(task=task, category=category)
    if snapshot is None or not snapshot.rows:
        return None
    models = [row["model"] for row in snapshot.rows]
    ratings = np.array([row["rating"] for row in snapshot.rows], dtype=np.float64)
    boot, votes_hash = _boot_ratings(snapshot, task, category, models, rounds, seed)
    assets = Asset.objects.filter(is_reference=False, status__in=FINISHED_STATUSES, generator__name__in=models)
    if task:
        assets = assets.filter(prompt__task=task)
    if category:
        assets = assets.filter(prompt__category=category)
    index = {name: k for k, name in enumerate(models)}
    asset_ids: list[list[int]] = [[] for _ in models]
    status_ok: dict[int, bool] = {}
    for asset_id, name, status in assets.order_by("id").values_list("id", "generator__name", "status"):
        asset_ids[index[name]].append(asset_id)
        status_ok[asset_id] = is_executable(status)
    values: dict[str, dict[int, float | None]] = {}
    rows = AssetMetric.objects.filter(asset__in=assets).exclude(name="executability")
    for asset_id, name, value in rows.values_list("asset_id", "name", "value").iterator(chunk_size=10000):
        values.setdefault(name, {})[asset_id] = value
    model_level: dict[str, dict[str, float]] = {}
    # Model-level imports are per task board; they say nothing of one category.
    imported = GeneratorMetric.objects.none() if category else GeneratorMetric.objects.filter(task=task)
    for name, model, value in imported.filter(generator__name__in=models).values_list(
        "name", "generator__name", "value"
    ):
        model_level.setdefault(name, {})[model] = value
    decided = selectors.rated_votes(task=task, category=category).filter(winner__in=["a", "b"]).order_by("id")
    votes = list(decided.values_list("id", "winner", "battle__asset_a_id", "battle__asset_b_id", "annotator_id"))
    battles = list(
        selectors.rated_votes(task=task, category=category).order_by("id").values_list(
            "prompt_id", "generator_a_id", "generator_b_id", "generator_a__name", "generator_b__name",
            "battle__asset_a_id", "battle__asset_b_id",
        )
    )  # fmt: skip
    return ScopeData(task, category, snapshot, models, ratings, boot, votes_hash, asset_ids, status_ok, values,
                     model_level, votes, metric_directions(), battles)  # fmt: skip


# ---------------------------------------------------------------------------
# Computing one scope
# ---------------------------------------------------------------------------


def _asset_arrays(data: ScopeData, name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per model: values (NaN for a failure) and the present mask (False: unknown)."""
    vals, pres = [], []
    known = data.values.get(name, {})
    for ids in data.asset_ids:
        v = np.full(len(ids), np.nan)
        p = np.zeros(len(ids), dtype=bool)
        for k, asset_id in enumerate(ids):
            if name == "executability":
                v[k], p[k] = (1.0 if data.status_ok[asset_id] else 0.0), True
            elif not data.status_ok[asset_id]:
                p[k] = True  # failed to run: a failure for every metric
            elif asset_id in known:
                p[k] = True
                value = known[asset_id]
                v[k] = np.nan if value is None else value
        vals.append(v)
        pres.append(p)
    return vals, pres


def _asset_value(data: ScopeData, name: str, asset_id: int) -> tuple[bool, float]:
    """(known, value) of one asset for vote-level comparisons; NaN is a failure."""
    if asset_id not in data.status_ok:
        return False, np.nan
    if name == "executability":
        return True, 1.0 if data.status_ok[asset_id] else 0.0
    if not data.status_ok[asset_id]:
        return True, np.nan
    known = data.values.get(name, {})
    if asset_id not in known:
        return False, np.nan
    value = known[asset_id]
    return True, np.nan if value is None else float(value)


def _means_payload(models: list[str], point: np.ndarray, boot: np.ndarray | None) -> list[dict[str, Any]]:
    out = []
    for k, model in enumerate(models):
        if boot is None:
            est = corr.estimate(point[k], [])
        else:
            est = corr.estimate(point[k], boot[:, k])
        out.append({"model": model, **est.as_dict()})
    return out


def _correlation_payload(ratings: np.ndarray, boot_ratings: np.ndarray, info: MetricInfo, point: np.ndarray,
                         boot: np.ndarray) -> dict[str, Any]:  # fmt: skip
    oriented = corr.orient(point, info.higher_is_better)
    boot_oriented = corr.orient(boot, info.higher_is_better)
    result = corr.correlations(ratings, oriented, boot_ratings, boot_oriented)
    n_models = int(np.sum(np.isfinite(point) & np.isfinite(ratings)))
    return {"n_models": n_models, **{name: est.as_dict() for name, est in result.items()}}


def asset_metric_payload(*, models: list[str], ratings: np.ndarray, boot_ratings: np.ndarray, info: MetricInfo,
                         values: list[np.ndarray], present: list[np.ndarray],
                         indices: list[np.ndarray]) -> dict[str, Any]:  # fmt: skip
    """One asset-level metric against a board: per aggregation, each model's mean and the correlations, with intervals.

    Round ``r`` pairs the board's ratings refitted on the ``r``-th resample of its votes (``boot_ratings[r]``)
    with the means over the ``r``-th resample of each model's assets (``indices``); see `leaderboard.correlation`.
    The study boards' metric tables (`leaderboard.study_services`) are computed with it too.
    """
    point_c, point_p = aggregate.model_means(values, present, info)
    boot_c, boot_p = aggregate.model_means(values, present, info, indices)
    aggregations = {}
    for label, point, boot in (("conditional", point_c, boot_c), ("penalised", point_p, boot_p)):
        aggregations[label] = {
            "means": _means_payload(models, point, boot),
            "correlation": _correlation_payload(ratings, boot_ratings, info, point, boot),
        }
    return {
        **_info_payload(info),
        "level": "asset",
        "n_assets": int(sum(p.sum() for p in present)),
        "n_failed": int(sum((p & ~np.isfinite(v)).sum() for v, p in zip(values, present, strict=True))),
        "aggregations": aggregations,
    }


def _asset_metric(data: ScopeData, name: str, indices: list[np.ndarray], weights: np.ndarray,
                  human: np.ndarray) -> dict[str, Any] | None:  # fmt: skip
    info = metric_info(name, data.directions)
    vals, pres = _asset_arrays(data, name)
    if name != "executability" and not any(np.isfinite(v[p]).any() for v, p in zip(vals, pres, strict=True)):
        return None  # nothing measured in this scope
    payload = asset_metric_payload(models=data.models, ratings=data.ratings, boot_ratings=data.boot_ratings,
                                   info=info, values=vals, present=pres, indices=indices)  # fmt: skip
    return {**payload, "agreement": _vote_agreement(data, name, info, weights, human)}


def _model_metric(data: ScopeData, name: str) -> dict[str, Any]:
    info = metric_info(name, data.directions)
    by_model = data.model_level[name]
    point = np.array([by_model.get(model, np.nan) for model in data.models], dtype=np.float64)
    boot = np.tile(point, (data.boot_ratings.shape[0], 1))
    block = {
        "means": _means_payload(data.models, point, None),
        "correlation": _correlation_payload(data.ratings, data.boot_ratings, info, point, boot),
    }
    return {
        **_info_payload(info),
        "level": "model",
        "n_assets": None,
        "n_failed": None,
        "aggregations": {"conditional": block, "penalised": block},
        "agreement": None,
    }


def _info_payload(info: MetricInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "label": info.label,
        "higher_is_better": info.higher_is_better,
        "unit": info.unit,
        "description": info.description,
        "failure_penalty_factor": info.failure_penalty_factor,
        "direction_assumed": info.direction_assumed,
    }


def _vote_agreement(data: ScopeData, name: str, info: MetricInfo, weights: np.ndarray,
                    human: np.ndarray) -> dict[str, Any]:  # fmt: skip
    n = len(data.votes)
    value_a, value_b = np.full(n, np.nan), np.full(n, np.nan)
    known = np.zeros(n, dtype=bool)
    for k, (_, _, asset_a, asset_b, _) in enumerate(data.votes):
        ka, va = _asset_value(data, name, asset_a)
        kb, vb = _asset_value(data, name, asset_b)
        known[k] = ka and kb
        value_a[k], value_b[k] = va, vb
    choice = corr.metric_choice(value_a, value_b, info.higher_is_better)
    choice[~known] = -1
    return corr.agreement(human, choice, weights)


def _metric_verdicts(data: ScopeData, name: str) -> list[judge_services.Verdict]:
    """The metric as a judge: its verdict on every counted battle whose two assets it knows (equal: a tie)."""
    info = metric_info(name, data.directions)
    known, value_a, value_b = [], [], []
    for *_, asset_a, asset_b in data.battles:
        ka, va = _asset_value(data, name, asset_a)
        kb, vb = _asset_value(data, name, asset_b)
        known.append(ka and kb)
        value_a.append(va)
        value_b.append(vb)
    choice = corr.metric_choice(np.array(value_a), np.array(value_b), info.higher_is_better)
    return [
        judge_services.Verdict(prompt, gen_a, gen_b, name_a, name_b, "a" if c == 0 else "b" if c == 1 else "tie")
        for (prompt, gen_a, gen_b, name_a, name_b, *_), c, ok in zip(data.battles, choice, known, strict=True)
        if ok
    ]


def _human_agreement(data: ScopeData, rounds: int, rng: np.random.Generator) -> dict[str, Any]:
    keys, raters, choices = [], [], []
    for _, winner, asset_a, asset_b, annotator in data.votes:
        chosen = asset_a if winner == "a" else asset_b
        keys.append((min(asset_a, asset_b), max(asset_a, asset_b)))
        raters.append(annotator)
        choices.append(0 if chosen == min(asset_a, asset_b) else 1)
    first, second = corr.repeated_pairs(keys, raters, choices)
    weights = corr.vote_weights(first.size, rounds, rng)
    return {**corr.agreement(first, second, weights, symmetric=True), "pairs_of_votes": int(first.size)}


def _metric_order(names: set[str]) -> list[str]:
    known = [name for name in METRICS if name in names]
    return known + sorted(names - set(known))


def scope_label(task: str, category: str) -> str:
    """How the page names a board: "All tasks", "Text to 3D · chairs"."""
    return f"{selectors.task_label(task)} · {category}" if category else selectors.task_label(task)


def scope_compute(data: ScopeData, *, rounds: int, seed: int) -> dict[str, Any]:
    key = f"{data.task}/{data.category}" if data.category else data.task
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    indices = corr.resample_indices([len(ids) for ids in data.asset_ids], rounds, rng)
    human = np.array([0 if winner == "a" else 1 for _, winner, *_ in data.votes], dtype=np.int64)
    weights = corr.vote_weights(len(data.votes), rounds, rng)
    metrics = []
    asset_level = {"executability", *data.values}
    for name in _metric_order(asset_level | set(data.model_level)):
        if name in asset_level:
            payload = _asset_metric(data, name, indices, weights, human)
            if payload is None and name in data.model_level:
                payload = _model_metric(data, name)  # imported per model, not measured per asset here
            if payload is not None:
                metrics.append(payload)
        else:
            metrics.append(_model_metric(data, name))
    judged = [(m, _metric_verdicts(data, m["name"])) for m in metrics if m["level"] == "asset" and m["agreement"]]
    judges = judge_services.scope_judges(task=data.task, category=data.category, human=data.snapshot.rows,
                                         metrics=judged, rounds=rounds, seed=seed)  # fmt: skip
    rows = {row["model"]: row for row in data.snapshot.rows}
    n_rated = int(np.isfinite(data.ratings).sum())
    return {
        "task": data.task,
        "category": data.category,
        "label": scope_label(data.task, data.category),
        "enough_models": n_rated >= corr.MIN_MODELS,
        "min_models": corr.MIN_MODELS,
        "snapshot": data.snapshot.public_id,
        "snapshot_created_at": data.snapshot.created_at.isoformat(),
        "n_votes": data.snapshot.n_votes,
        "n_decided_votes": len(data.votes),
        "votes_hash": data.snapshot.votes_hash,
        "votes_changed_since_snapshot": data.votes_hash != data.snapshot.votes_hash,
        "models": [
            {
                "model": model,
                "rating": rows[model]["rating"],
                "ci_low": rows[model].get("ci_low"),
                "ci_high": rows[model].get("ci_high"),
                "n_assets": len(data.asset_ids[k]),
                "n_ok": sum(1 for a in data.asset_ids[k] if data.status_ok[a]),
            }
            for k, model in enumerate(data.models)
        ],
        "metrics": metrics,
        "human_agreement": _human_agreement(data, rounds, rng),
        "judges": judges,
    }


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def report_scopes() -> list[tuple[str, str]]:
    """Every board with a snapshot, as (task, category): overall, tasks, categories, then both."""
    boards = set(Snapshot.objects.filter(family="").values_list("task", "category").distinct())
    order = {task: k for k, task in enumerate(["", *Task.values])}
    return sorted(boards, key=lambda b: (b[1] != "", b[0] != "" and b[1] != "", order.get(b[0], len(order)), b))


def learned_status() -> dict[str, Any]:
    configured = embedding_backends_configured()
    root = weights_dir()
    return {
        "weights_dir_set": root is not None,
        "configured": sorted(configured),
        "missing": [name for name in LEARNED_BACKENDS if name not in configured],
        "backends": LEARNED_BACKENDS,
    }


def report_fingerprint(*, rounds: int, seed: int) -> str:
    """Hash of everything the report depends on, to skip recomputing an unchanged one."""
    snapshots = [
        (task, category, s.public_id if s else None)
        for task, category in report_scopes()
        for s in [selectors.latest_snapshot(task=task, category=category)]
    ]
    metrics = AssetMetric.objects.aggregate(n=Count("id"), last=Max("computed_at"))
    model_level = GeneratorMetric.objects.aggregate(n=Count("id"), last=Max("computed_at"))
    statuses = Asset.objects.filter(is_reference=False).aggregate(n=Count("id"), last=Max("rendered_at"))
    directions = sorted(metric_directions().items())
    judgements = judge_services.judgements_fingerprint()
    parts = [snapshots, metrics, model_level, statuses, directions, judgements, rounds, seed,
             learned_status()["configured"]]  # fmt: skip
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


def report_compute(*, rounds: int | None = None, seed: int = 0, force: bool = False) -> CorrelationReport | None:
    """Compute and store the report; None when there is no snapshot yet.

    An unchanged input (same snapshots, metrics and settings) returns the
    stored report unless forced.
    """
    rounds = _rounds() if rounds is None else rounds
    scopes = report_scopes()
    if not scopes:
        return None
    fingerprint = report_fingerprint(rounds=rounds, seed=seed)
    latest = report_latest()
    if latest is not None and latest.fingerprint == fingerprint and not force:
        return latest
    report = CorrelationReport.objects.create(status=ReportStatus.COMPUTING, fingerprint=fingerprint)
    started = time.perf_counter()
    try:
        payload: dict[str, Any] = {"scopes": []}
        for task, category in scopes:
            data = scope_load(task=task, category=category, rounds=rounds, seed=seed)
            if data is not None:
                payload["scopes"].append(scope_compute(data, rounds=rounds, seed=seed))
    except Exception as exc:
        CorrelationReport.objects.filter(id=report.id).update(
            status=ReportStatus.FAILED, error=repr(exc), finished_at=timezone.now()
        )
        raise
    seconds = time.perf_counter() - started
    report.report = {
        **payload,
        "report": report.public_id,
        "generated_at": timezone.now().isoformat(),
        "compute_seconds": seconds,
        "rounds": rounds,
        "seed": seed,
        "level": corr.LEVEL,
        "coefficients": list(corr.COEFFICIENTS),
        "aggregations": list(corr.AGGREGATIONS),
        "learned": learned_status(),
    }
    report.status = ReportStatus.READY
    report.compute_seconds = seconds
    report.finished_at = timezone.now()
    report.save()
    group_send(GROUP, {"type": "correlation.updated", "report": report.public_id})
    return report


def report_latest() -> CorrelationReport | None:
    """The newest finished report."""
    return CorrelationReport.objects.filter(status=ReportStatus.READY).order_by("-created_at", "-id").first()


def report_in_progress() -> bool:
    """Whether a report is being computed (one started long ago was lost with its process)."""
    since = timezone.now() - STALE_AFTER
    latest = CorrelationReport.objects.order_by("-created_at", "-id").first()
    return latest is not None and latest.status == ReportStatus.COMPUTING and latest.created_at > since


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------

CSV_FIELDS = ["section", "task", "category", "metric", "aggregation", "statistic", "model", "value", "low", "high", "n"]


def report_rows(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Everything on the page as long-format rows (one number per row)."""
    for scope in report.get("scopes", []):
        category = scope.get("category") or "all"
        for row in _scope_rows(scope):
            yield {**row, "category": category}


def _scope_rows(scope: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One board's rows, without the category."""
    task = scope["task"] or "all"
    for model in scope["models"]:
        yield {"section": "rating", "task": task, "model": model["model"], "statistic": "elo",
               "value": model["rating"], "low": model["ci_low"], "high": model["ci_high"],
               "n": model["n_assets"]}  # fmt: skip
    for metric in scope["metrics"]:
        for aggregation, block in metric["aggregations"].items():
            if metric["level"] == "model" and aggregation == "penalised":
                continue  # the same numbers as "conditional"
            agg = aggregation if metric["level"] == "asset" else "model-level"
            for mean in block["means"]:
                yield {"section": "mean", "task": task, "metric": metric["name"], "aggregation": agg,
                       "statistic": "mean", "model": mean["model"], "value": mean["value"],
                       "low": mean["low"], "high": mean["high"]}  # fmt: skip
            for name in corr.COEFFICIENTS:
                est = block["correlation"][name]
                yield {"section": "correlation", "task": task, "metric": metric["name"], "aggregation": agg,
                       "statistic": name, "value": est["value"], "low": est["low"], "high": est["high"],
                       "n": block["correlation"]["n_models"]}  # fmt: skip
        if metric["agreement"]:
            for stat in ("accuracy", "kappa"):
                est = metric["agreement"][stat]
                yield {"section": "vote-agreement", "task": task, "metric": metric["name"], "statistic": stat,
                       "value": est["value"], "low": est["low"], "high": est["high"],
                       "n": metric["agreement"]["n"]}  # fmt: skip
    human = scope["human_agreement"]
    for stat in ("accuracy", "kappa"):
        est = human[stat]
        yield {"section": "human-agreement", "task": task, "metric": "human", "statistic": stat,
               "value": est["value"], "low": est["low"], "high": est["high"], "n": human["n"]}  # fmt: skip
    yield from _judge_rows(scope.get("judges"), task)


def _judge_rows(judges: dict[str, Any] | None, task: str) -> Iterator[dict[str, Any]]:
    """The judges section: one row per figure of each metric and judge, and the human board's."""
    if not judges:
        return
    for item in judges["entries"]:
        base = {"section": "judge", "task": task, "metric": item["name"], "aggregation": item["source"]}
        for stat in ("agreement_with_confidence", "separability", "pair_brier"):
            block = item[stat] or {}
            yield {**base, "statistic": stat, "value": block.get("value"), "n": block.get("n_pairs")}
        agreement = item["agreement"] or {}
        for stat in ("accuracy", "kappa"):
            est = agreement.get(stat) or {}
            yield {**base, "statistic": stat, "value": est.get("value"), "low": est.get("low"),
                   "high": est.get("high"), "n": agreement.get("n")}  # fmt: skip
        if item["probability_brier"]:
            est = item["probability_brier"]
            yield {**base, "statistic": "probability_brier", "value": est["value"], "low": est["low"],
                   "high": est["high"], "n": est["n"]}  # fmt: skip
        if item["swap"]:
            est = item["swap"]["consistent"]
            yield {**base, "statistic": "swap_consistency", "value": est["value"], "low": est["low"],
                   "high": est["high"], "n": est["n"]}  # fmt: skip
    separability = judges["human"]["separability"]
    yield {"section": "judge", "task": task, "metric": "human", "statistic": "separability",
           "value": separability["value"], "n": separability["n_pairs"]}  # fmt: skip


def report_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in report_rows(report):
        writer.writerow({key: ("" if row.get(key) is None else row.get(key)) for key in CSV_FIELDS})
    return out.getvalue()
