"""Benchmark the warm pool against one fresh Blender process per script.

Usage::

    python -m renderer.bench [DIR_OF_SCRIPTS] [--views N] [--size PX] [--limit N]

Every script of the corpus runs twice, one job at a time: through a warm
:class:`renderer.runtime.pool.RenderPool` (sandboxed), and as the naive baseline, a
fresh ``python -c`` process that imports ``bpy`` and runs the same job.
Prints a Markdown table with, per asset, the time spent outside the script
and the renders ("overhead": start-up, reset, export, host bookkeeping),
and the medians with the speed-up.
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

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool
from renderer.runtime.sandbox import import_root

DEFAULT_CORPORA = ("demo/outputs", "demo", "tests/renderer/scripts")
NAIVE_SNIPPET = "import sys; from renderer.runtime.blender_job import main; sys.exit(main(sys.argv[1:]))"


def find_scripts(directory: Path | None) -> list[Path]:
    """Scripts to benchmark: ``directory``, or the first default corpus found."""
    candidates = [directory] if directory else [Path(name) for name in DEFAULT_CORPORA]
    for candidate in candidates:
        scripts = sorted(path for path in candidate.rglob("*.py") if not path.name.startswith(("plain_", "_")))
        if scripts:
            return scripts
    raise SystemExit(f"no .py scripts found in {', '.join(map(str, candidates))}")


def run_pooled(pool: RenderPool, script: Path, out_dir: Path) -> dict[str, Any]:
    """One job through the warm pool; returns its timings and status."""
    started = time.perf_counter()
    result = pool.run(script, out_dir)
    wall = time.perf_counter() - started
    timings = result["timings"]
    return {
        "status": result["status"],
        "wall": wall,
        "script": timings.get("script", 0.0),
        "export": timings.get("export", 0.0),
        "render": timings.get("render", 0.0),
        "render_cpu": timings.get("render_cpu", 0.0),
        "startup": timings.get("startup", 0.0),
        "overhead": wall - timings.get("script", 0.0) - timings.get("render", 0.0),
    }


def run_naive(script: Path, out_dir: Path, config: RenderConfig) -> dict[str, Any]:
    """The same job in a fresh interpreter that imports ``bpy`` first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-c", NAIVE_SNIPPET, str(script), str(out_dir)]
    argv += ["--settings", json.dumps(config.job_settings())]
    started = time.perf_counter()
    subprocess.run(
        argv,
        cwd=import_root(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=config.timeout_s + 60,
        check=False,
    )
    wall = time.perf_counter() - started
    try:
        result = json.loads((out_dir / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result = {"status": "err_exec", "timings": {}}
    timings = result["timings"]
    return {
        "status": result["status"],
        "wall": wall,
        "script": timings.get("script", 0.0),
        "render": timings.get("render", 0.0),
        "render_cpu": timings.get("render_cpu", 0.0),
        "overhead": wall - timings.get("script", 0.0) - timings.get("render", 0.0),
    }


def median(rows: list[dict[str, Any]], key: str) -> float:
    """Median of one timing over rows."""
    return statistics.median(row[key] for row in rows) if rows else float("nan")


def markdown(names: list[str], pooled: list[dict[str, Any]], naive: list[dict[str, Any]], views: int) -> str:
    """The results as a Markdown table followed by a summary."""
    lines = [
        "| asset | status | pool overhead s | fork+setup s | script s | export s | render s | render CPU s "
        "| pool total s | naive total s | naive overhead s | naive render CPU s | speed-up |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, fast, slow in zip(names, pooled, naive, strict=True):
        lines.append(
            f"| {name} | {fast['status']} | {fast['overhead']:.3f} | {fast['startup']:.3f} | {fast['script']:.3f} "
            f"| {fast['export']:.3f} | {fast['render']:.2f} | {fast['render_cpu']:.2f} | {fast['wall']:.2f} "
            f"| {slow['wall']:.2f} | {slow['overhead']:.3f} | {slow['render_cpu']:.2f} "
            f"| {slow['wall'] / fast['wall']:.1f}x |"
        )
    lines.append(
        f"| **median** | | **{median(pooled, 'overhead'):.3f}** | {median(pooled, 'startup'):.3f} "
        f"| {median(pooled, 'script'):.3f} | {median(pooled, 'export'):.3f} | {median(pooled, 'render'):.2f} "
        f"| {median(pooled, 'render_cpu'):.2f} | {median(pooled, 'wall'):.2f} | {median(naive, 'wall'):.2f} "
        f"| **{median(naive, 'overhead'):.3f}** | {median(naive, 'render_cpu'):.2f} "
        f"| {median(naive, 'wall') / median(pooled, 'wall'):.1f}x |"
    )
    mismatched = sum(fast["status"] != slow["status"] for fast, slow in zip(pooled, naive, strict=True))
    lines += [
        "",
        f"{len(names)} assets, {views} views each. Per-job overhead (wall time minus script and render), median: "
        f"pool {median(pooled, 'overhead'):.3f} s, naive {median(naive, 'overhead'):.3f} s "
        f"({median(naive, 'overhead') / max(median(pooled, 'overhead'), 1e-9):.1f}x less). "
        f"Status differences between the two runs: {mismatched}.",
    ]
    if views:
        per_view = [fast["render"] / views for fast in pooled if fast["render"]]
        per_view_cpu = [fast["render_cpu"] / views for fast in pooled if fast["render"]]
        if per_view:
            lines.append(
                f"Render time per view, median: {statistics.median(per_view):.2f} s wall, "
                f"{statistics.median(per_view_cpu):.2f} s CPU."
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m renderer.bench``."""
    parser = argparse.ArgumentParser(prog="python -m renderer.bench", description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, help="directory of .py scripts (default: demo corpus)")
    parser.add_argument("--views", type=int, default=RenderConfig.views)
    parser.add_argument("--size", type=int, default=RenderConfig.size)
    parser.add_argument("--limit", type=int, default=0, help="only the first N scripts")
    parser.add_argument("--no-naive", action="store_true", help="skip the baseline")
    args = parser.parse_args(argv)
    scripts = find_scripts(args.directory)
    if args.limit:
        scripts = scripts[: args.limit]
    config = RenderConfig(views=args.views, size=args.size, workers=1)
    names = [str(path) for path in scripts]
    with tempfile.TemporaryDirectory(prefix="arena-bench-") as scratch:
        root = Path(scratch)
        pooled, naive = [], []
        with RenderPool(config) as pool:
            pool.wait_ready()
            # Interleaved, so that both runs of a script see the same load on
            # the machine.
            for index, path in enumerate(scripts):
                pooled.append(run_pooled(pool, path, root / "pool" / str(index)))
                if args.no_naive:
                    naive.append(dict(pooled[-1], overhead=float("nan"), wall=float("nan")))
                else:
                    naive.append(run_naive(path.resolve(), root / "naive" / str(index), config))
    print(markdown(names, pooled, naive, args.views))
    return 0


if __name__ == "__main__":
    sys.exit(main())
