"""Render scripts or meshes from the command line through the warm pool.

Usage::

    python -m renderer.runtime SCRIPT_OR_MESH [MORE ...] --out DIR [--timeout S]
        [--jobs N] [--views N] [--size PX] [--engine workbench|cycles] [--framing fit|reference]
        [--no-sandbox]

Each input gets ``DIR/<input stem>/`` with ``result.json``, ``model.glb``,
``mesh.glb`` and ``views/*.png``. A failing input never stops the batch; the
exit code is 0 whenever the batch ran.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .config import RenderConfig
from .pool import RenderPool, SandboxUnavailable, failure_result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m renderer.runtime", description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="Blender scripts (.py) or meshes")
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument("--timeout", type=float, default=RenderConfig.timeout_s, help="seconds per job")
    parser.add_argument("--jobs", type=int, default=RenderConfig.workers, help="jobs in parallel")
    parser.add_argument("--views", type=int, default=RenderConfig.views, help="renders per asset (0: none)")
    parser.add_argument("--size", type=int, default=RenderConfig.size, help="render size in pixels")
    parser.add_argument("--engine", choices=("workbench", "cycles"), default=RenderConfig.engine)
    parser.add_argument("--framing", choices=("fit", "reference"), default=RenderConfig.framing)
    parser.add_argument("--no-sandbox", action="store_true", help="run without bubblewrap (unsafe)")
    return parser.parse_args(argv)


def output_dirs(inputs: list[Path], out: Path) -> list[Path]:
    """One directory per input, named by its stem (made unique if needed)."""
    seen: collections.Counter[str] = collections.Counter()
    dirs = []
    for path in inputs:
        seen[path.stem] += 1
        name = path.stem if seen[path.stem] == 1 else f"{path.stem}_{seen[path.stem]}"
        dirs.append(out / name)
    return dirs


def render_batch(pool: RenderPool, inputs: list[Path], dirs: list[Path], jobs: int) -> list[dict[str, Any]]:
    """Run every input; a failure of one never stops the others."""
    bar = tqdm(total=len(inputs), unit="asset", file=sys.stderr)
    lock = threading.Lock()

    def one(path: Path, out_dir: Path) -> dict[str, Any]:
        try:
            result = pool.run(path, out_dir)
        except (OSError, ValueError) as exc:
            # The input itself is unusable (missing, wrong type): record it
            # like any other failure so the batch output stays complete.
            result = failure_result("err_exec", str(exc))
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "result.json").write_text(json.dumps(result), encoding="utf-8")
        with lock:
            bar.update(1)
            bar.set_postfix_str(f"{path.name}: {result['status']}")
        return result

    with ThreadPoolExecutor(max_workers=jobs) as executor:
        results = list(executor.map(one, inputs, dirs))
    bar.close()
    return results


def summarise(inputs: list[Path], results: list[dict[str, Any]]) -> str:
    """Text summary: one line per failure, then counts per status."""
    lines = [
        f"{path}: {result['status']}: {result.get('error', '')}"
        for path, result in zip(inputs, results, strict=True)
        if result["status"] != "ok"
    ]
    counts = collections.Counter(result["status"] for result in results)
    lines.append(", ".join(f"{status} {count}" for status, count in sorted(counts.items())))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m renderer.runtime``."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    config = RenderConfig(
        timeout_s=args.timeout,
        workers=max(1, min(args.jobs, len(args.inputs))),
        views=args.views,
        size=args.size,
        engine=args.engine,
        framing=args.framing,
        sandbox=not args.no_sandbox,
    )
    dirs = output_dirs(args.inputs, args.out)
    try:
        with RenderPool(config) as pool:
            results = render_batch(pool, args.inputs, dirs, config.workers)
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summarise(args.inputs, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
