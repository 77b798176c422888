"""Measure how much memory the benchmark's reference factories need.

Usage::

    python -m renderer.bench_memory [DIR] [--views N] [--limit N] [--no-pool]

Every ``categories/<Inst>/<Inst>.py`` under ``DIR`` (by default the release
sample ``../shared/benchmark-release``) runs as a whole job (script, export,
renders) in a plain, fresh ``bpy`` process without any limit: its peak
resident memory (``ru_maxrss``) and peak address space (``VmPeak``) are the
figures the job's memory limit (``RenderConfig.memory_mb``,
``RENDER_MEMORY_MB``) must allow. Then, in the same run, each goes through
a warm sandboxed pool with the default configuration, whose status must be
the plain run's; with a cgroup, its memory peak (the whole sandbox: zygote,
job, private ``/tmp``) is printed beside it. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool
from renderer.runtime.sandbox import import_root

DEFAULT_RELEASE = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmark-release"
# Runs the job like ``python -m renderer.runtime.blender_job``, then notes the process's own peaks.
PLAIN_SNIPPET = (
    "import sys; from renderer.runtime.blender_job import main; main(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(open('/proc/self/status').read())"
)
MIB = 1024 * 1024


def find_factories(release: Path) -> list[Path]:
    """The reference factories of a release: ``categories/<Inst>/<Inst>.py``."""
    factories = sorted(path for path in release.glob("categories/*/*.py") if path.stem == path.parent.name)
    if not factories:
        raise SystemExit(f"no factories found under {release}/categories/")
    return factories


def _status_kib(text: str, key: str) -> int:
    """A ``kB`` figure of ``/proc/<pid>/status`` text, in KiB (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def run_plain(script: Path, out_dir: Path, views: int) -> dict[str, Any]:
    """One job in a fresh ``bpy`` process with no limits; its status and peaks in MiB."""
    settings = json.dumps({"views": views, "azimuths": list(RenderConfig().azimuths[:views])})
    status_file = out_dir / "proc_status.txt"
    env = dict(os.environ, PYTHONPATH=str(import_root()))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", PLAIN_SNIPPET, str(status_file), str(script), str(out_dir), "--settings", settings],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, _, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    try:
        status = json.loads((out_dir / "result.json").read_text(encoding="utf-8"))["status"]
    except (OSError, ValueError, KeyError):
        status = "no result"
    proc = status_file.read_text(encoding="ascii") if status_file.exists() else ""
    return {
        "status": status,
        "rss_mb": usage.ru_maxrss / 1024,
        "vm_peak_mb": _status_kib(proc, "VmPeak") / 1024,
        "wall": wall,
    }


def run_pooled(pool: RenderPool, script: Path, out_dir: Path) -> dict[str, Any]:
    """One job through the warm pool; its status, error and the sandbox's memory peak in MiB."""
    result = pool.run(script, out_dir)
    cgroup = pool.workers[0].cgroup
    peak = cgroup.memory_peak() / MIB if cgroup is not None and cgroup.version == 1 else None
    return {"status": result["status"], "error": result["error"], "peak_mb": peak}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", nargs="?", type=Path, default=DEFAULT_RELEASE)
    parser.add_argument("--views", type=int, default=4)
    parser.add_argument("--limit", type=int, default=0, help="only the first N factories")
    parser.add_argument("--no-pool", action="store_true", help="skip the sandboxed runs")
    args = parser.parse_args(argv)
    if not args.release.is_dir():
        raise SystemExit(f"{args.release} is not a directory (the benchmark release sample)")
    factories = find_factories(args.release)[: args.limit or None]
    config = RenderConfig(workers=1, views=args.views)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch:
        pool = None if args.no_pool else RenderPool(config)
        try:
            for index, script in enumerate(factories):
                plain = run_plain(script, Path(scratch) / f"plain{index}", args.views)
                pooled = run_pooled(pool, script, Path(scratch) / f"pool{index}") if pool else None
                rows.append((script.stem, plain, pooled))
                print(f"{script.stem}: {plain} {pooled}", file=sys.stderr, flush=True)
        finally:
            if pool is not None:
                pool.close()
    print_table(rows, config)
    return 0


def print_table(rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]], config: RenderConfig) -> None:
    """The per-factory figures and their maxima, as Markdown."""
    print(
        "| factory | plain status | peak RSS MiB | peak address space MiB | plain wall s "
        "| sandboxed status | sandbox peak MiB |"
    )
    print("|---|---|---:|---:|---:|---|---:|")
    for name, plain, pooled in rows:
        status = pooled["status"] if pooled else "-"
        peak = f"{pooled['peak_mb']:.0f}" if pooled and pooled["peak_mb"] is not None else "-"
        line = f"| {name} | {plain['status']} | {plain['rss_mb']:.0f} | {plain['vm_peak_mb']:.0f} | {plain['wall']:.1f}"
        print(f"{line} | {status} | {peak} |")
    top_rss = max(plain["rss_mb"] for _, plain, _ in rows)
    top_vm = max(plain["vm_peak_mb"] for _, plain, _ in rows)
    differ = [name for name, plain, pooled in rows if pooled and pooled["status"] != plain["status"]]
    print(f"| **max** | | **{top_rss:.0f}** | {top_vm:.0f} | | | |")
    print()
    print(
        f"{len(rows)} factories, {config.views} views each. Largest peak RSS {top_rss:.0f} MiB, largest peak "
        f"address space {top_vm:.0f} MiB; default limit {config.memory_mb} MiB of resident memory. "
        f"Status differences between the plain and the sandboxed runs: {len(differ)}"
        + (f" ({', '.join(differ)})." if differ else ".")
    )
    for name, _, pooled in rows:
        if pooled and pooled["status"] != "ok":
            print(f"- {name}: {pooled['status']}: {pooled['error'][:200]}")


if __name__ == "__main__":
    sys.exit(main())
