"""Benchmark the pool on the benchmark release's reference factories.

Usage::

    python -m renderer.bench_release [RELEASE_DIR] [--views N] [--size PX] [--limit N] [--memory-mb MB]

Each factory ``categories/<Inst>/<Inst>.py`` of the release (default
``../shared/benchmark-release``) runs twice, interleaved so that both runs
see the same load on the machine: through a warm sandboxed
:class:`renderer.runtime.pool.RenderPool` (script, both exports, the clay views), and
as a plain Blender run, a fresh ``python -c`` process that imports ``bpy``,
resets to an empty scene and executes the same script, nothing else. Prints
per-stage medians, the pool's time beyond the plain script and a table with
each factory's status in both runs (``ok`` when at least one mesh remains).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool

DEFAULT_RELEASE = Path(__file__).resolve().parents[1].parent / "shared" / "benchmark-release"
# The goal: the pool's whole pipeline at most the plain script time plus this.
BUDGET_S = 1.5
PLAIN_SNIPPET = """\
import json, sys, time
import bpy
script, report = sys.argv[1], sys.argv[2]
bpy.ops.wm.read_factory_settings(use_empty=True)
status, error = "ok", ""
started = time.perf_counter()
try:
    code = compile(open(script, "rb").read(), script, "exec", dont_inherit=True)
    exec(code, {"__name__": "__main__", "__file__": script, "__builtins__": __builtins__})
except BaseException as exc:
    status, error = "err_exec", (type(exc).__name__ + ": " + str(exc).strip())[:300]
seconds = time.perf_counter() - started
if status == "ok":
    depsgraph = bpy.context.evaluated_depsgraph_get()
    meshes = [o for o in bpy.context.scene.objects if o.type == "MESH"]
    if not any(len(o.evaluated_get(depsgraph).data.vertices) for o in meshes):
        status, error = "err_no_mesh", "no mesh object with geometry"
with open(report, "w") as handle:
    json.dump({"status": status, "error": error, "script": seconds}, handle)
"""


def find_factories(release: Path) -> list[Path]:
    """The reference factories of a release: ``categories/<Inst>/<Inst>.py``."""
    return sorted(path for path in release.glob("categories/*/*.py") if path.stem == path.parent.name)


def run_pooled(pool: RenderPool, script: Path, out_dir: Path) -> dict[str, Any]:
    """One factory through the pool: status, stage timings and size."""
    started = time.perf_counter()
    result = pool.run(script, out_dir)
    timings = result["timings"]
    views = timings.get("views") or []
    return {
        "status": result["status"],
        "error": result["error"],
        "script": timings.get("script", 0.0),
        "export": timings.get("export", 0.0),
        "render": timings.get("render", 0.0),
        "compress": timings.get("compress", 0.0),
        "views": list(views),
        "pipeline": timings.get("script", 0.0) + timings.get("export", 0.0) + timings.get("render", 0.0),
        "total": time.perf_counter() - started,
        "triangles": result["stats"].get("triangles", 0),
    }


def run_plain(script: Path, out_dir: Path, timeout_s: float) -> dict[str, Any]:
    """The same script in a fresh ``bpy`` process and an empty scene, without export or renders."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / "plain.json"
    argv = [sys.executable, "-c", PLAIN_SNIPPET, str(script), str(report)]
    try:
        subprocess.run(argv, cwd=out_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"status": "err_timeout", "error": f"over {timeout_s:g} s", "script": timeout_s}
    try:
        return dict(json.loads(report.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {"status": "err_exec", "error": "the process ended without a report (crashed?)", "script": 0.0}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def markdown(names: list[str], pooled: list[dict[str, Any]], plain: list[dict[str, Any]], config: RenderConfig) -> str:
    """Medians per stage, the goal check and the per-factory table, as Markdown."""
    ok = [index for index, row in enumerate(pooled) if row["status"] == "ok"]
    views = config.views
    stage = {
        "script (pool)": [pooled[i]["script"] for i in ok],
        "script (plain bpy)": [plain[i]["script"] for i in ok],
        "export (both GLBs)": [pooled[i]["export"] for i in ok],
    }
    for view in range(views):
        stage[f"render view {view + 1}"] = [pooled[i]["views"][view] for i in ok if len(pooled[i]["views"]) > view]
    stage[f"renders, all {views}"] = [pooled[i]["render"] for i in ok]
    stage[f"browser GLB compression on the host ({config.compress})"] = [pooled[i]["compress"] for i in ok]
    stage["pipeline (script + export + renders)"] = [pooled[i]["pipeline"] for i in ok]
    stage["total through the pool (host wall time)"] = [pooled[i]["total"] for i in ok]
    stage["pipeline minus plain script"] = [pooled[i]["pipeline"] - plain[i]["script"] for i in ok]
    lines = ["| stage, over the factories that gave ok | median s |", "|---|---:|"]
    lines += [f"| {name} | {_median(values):.2f} |" for name, values in stage.items()]
    pipeline, plain_script = (
        _median(stage["pipeline (script + export + renders)"]),
        _median(stage["script (plain bpy)"]),
    )
    met = "met" if pipeline <= plain_script + BUDGET_S else "not met"
    mismatched = [names[i] for i in range(len(names)) if pooled[i]["status"] != plain[i]["status"]]
    lines += [
        "",
        f"{len(names)} factories, {views} views at {config.size} px, memory limit {config.memory_mb} MiB, "
        f"jobs at nice {config.nice}. "
        f"Median pipeline {pipeline:.2f} s against a median plain script time of {plain_script:.2f} s: "
        f"{pipeline - plain_script:+.2f} s (goal at most +{BUDGET_S:g} s: {met}). "
        f"Status differences between the pool and plain bpy: {len(mismatched)}"
        + (f" ({', '.join(mismatched)})." if mismatched else "."),
        "",
        "| factory | triangles | pool status | plain status | script s | plain script s | export s "
        "| renders s | pipeline s | pool total s |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, fast, slow in zip(names, pooled, plain, strict=True):
        status = fast["status"] + (f" ({fast['error'][:80]})" if fast["status"] != "ok" else "")
        plain_status = slow["status"] + (f" ({slow['error'][:80]})" if slow["status"] != "ok" else "")
        lines.append(
            f"| {name} | {fast['triangles']:,} | {status} | {plain_status} | {fast['script']:.2f} "
            f"| {slow['script']:.2f} | {fast['export']:.2f} | {fast['render']:.2f} | {fast['pipeline']:.2f} "
            f"| {fast['total']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m renderer.bench_release``."""
    parser = argparse.ArgumentParser(prog="python -m renderer.bench_release", description=__doc__.splitlines()[0])
    parser.add_argument("release", nargs="?", type=Path, default=DEFAULT_RELEASE, help="the release's folder")
    parser.add_argument("--views", type=int, default=RenderConfig.views)
    parser.add_argument("--size", type=int, default=RenderConfig.size)
    parser.add_argument("--memory-mb", type=int, default=RenderConfig.memory_mb)
    parser.add_argument("--timeout", type=float, default=RenderConfig.timeout_s)
    parser.add_argument("--limit", type=int, default=0, help="only the first N factories")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of the pool's jobs (default 0, the plain run's; the service's default is "
        f"{RenderConfig.nice}, which yields the CPU to everything else on a busy machine)",
    )
    parser.add_argument("--only", nargs="*", default=[], help="only these instances, e.g. Auger_seed0")
    args = parser.parse_args(argv)
    factories = find_factories(args.release)
    if not factories:
        print(f"Skipped: no benchmark release with factories at {args.release} (categories/<Inst>/<Inst>.py).")
        return 0
    if args.only:
        factories = [path for path in factories if path.stem in args.only]
    factories = factories[: args.limit] if args.limit else factories
    config = RenderConfig(
        views=args.views, size=args.size, workers=1, memory_mb=args.memory_mb, timeout_s=args.timeout, nice=args.nice
    )
    pooled, plain = [], []
    with tempfile.TemporaryDirectory(prefix="arena-bench-release-") as scratch, RenderPool(config) as pool:
        pool.wait_ready()
        for index, script in enumerate(tqdm(factories, desc="factories", unit="factory", file=sys.stderr)):
            pooled.append(run_pooled(pool, script, Path(scratch) / "pool" / str(index)))
            plain.append(run_plain(script.resolve(), Path(scratch) / "plain" / str(index), config.timeout_s + 30))
    print(markdown([path.stem for path in factories], pooled, plain, config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
