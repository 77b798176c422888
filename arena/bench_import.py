"""Import benchmark: ``python -m arena.bench_import`` (``make bench-import``).

Writes a synthetic release in the benchmark runner's layout into a temporary
folder (212 categories, 12 models, each with a text-to-3D run, an image-to-3D
run from 4 views and one from 1 view: about 5,000 assets, each with its
log.json, every third one multi-turn with two attempt scripts and a thinking
text, 4 reference views per image instance), migrates a throw-away database
and times ``manage.py arena_import`` on it as a whole process (start-up
included, no rendering): the first import, then a second one that must change
nothing. The goal is under 2 minutes for the first import.

``--database-url`` imports into that PostgreSQL server (a database named
``arena_bench_import`` is created and dropped); by default a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 120.0
CATEGORIES = 212
MODELS = 12
IMAGE_INSTANCES = 104
ONE_VIEW_INSTANCES = 101
PNG = b"\x89PNG\r\n\x1a\n" + bytes(2048)


def category_names() -> list[str]:
    shipped = json.loads((ROOT / "arena" / "data" / "families.json").read_text())
    names = sorted(shipped)
    names += [f"Synthetic{i:03d}" for i in range(CATEGORIES - len(names))]
    return names[:CATEGORIES]


def script(rng: random.Random, size: int) -> str:
    lines = ["import bpy", "", "verts = ["]
    while sum(len(line) for line in lines) < size:
        lines.append(f"    ({rng.random():.4f}, {rng.random():.4f}, {rng.random():.4f}),")
    lines += ["]", "mesh = bpy.data.meshes.new('m')", "mesh.from_pydata(verts, [], [])", ""]
    return "\n".join(lines)


def log_record(instance: str, model: str, task: str, views: int | None, attempts: int) -> dict[str, object]:
    history = [
        {"attempt": k, "status": "OK" if k == attempts - 1 else "ERR_EXEC", "n_meshes": 1 if k == attempts - 1 else 0,
         "error_brief": None if k == attempts - 1 else "NameError: name 'mesh' is not defined"}
        for k in range(attempts)
    ]  # fmt: skip
    return {
        "instance": instance, "timestamp": "2026-06-01T12:00:00+00:00", "provider": "synthetic", "model": model,
        "temperature": 1.0, "thinking": "medium", "task": task,
        "prompt_type": "description" if task == "text_to_3d" else None, "max_images": views, "seed": None,
        "status": "OK", "latency_s": 30.5, "code_chars": 4000, "input_tokens": 2000, "output_tokens": 8000,
        "thoughts_tokens": 3000, "total_tokens": 13000, "cache_read_tokens": 0, "cache_creation_tokens": 0,
        "cost_usd": 0.09, "parse_attempts": attempts, "render_attempts": attempts, "render_history": history,
        "final_render_status": "OK", "error": None,
    }  # fmt: skip


def release_write(root: Path, seed: int = 0) -> int:
    """The synthetic release; returns the number of model outputs written."""
    rng = random.Random(seed)
    names = category_names()
    for i, name in enumerate(names):
        folder = root / "categories" / f"{name}_seed0"
        folder.mkdir(parents=True)
        (folder / "prompt_description.txt").write_text(f"A 3D model of a {name}.")
        (folder / "prompt_instruction.txt").write_text(f"Build the {name} part by part.\n" * 20)
        (folder / f"{name}_seed0.py").write_text(script(rng, 20000))
        if i < IMAGE_INSTANCES:
            (folder / "images").mkdir()
            for view in (5, 15, 25, 35):
                (folder / "images" / f"Image_{view:03d}.png").write_bytes(PNG + bytes([i % 256, view]))
    outputs = 0
    for m in range(MODELS):
        model = f"model-{m:02d}"
        runs = [
            (model, "text_to_3d", None, names),
            (f"{model}_image_to_3d_4", "image_to_3d", 4, names[:IMAGE_INSTANCES]),
        ]
        runs.append((f"{model}_image_to_3d_1", "image_to_3d", 1, names[:ONE_VIEW_INSTANCES]))  # fmt: skip
        for run, task, views, instances in runs:
            for j, name in enumerate(instances):
                instance = f"{name}_seed0"
                folder = root / "results" / run / instance
                folder.mkdir(parents=True)
                final = script(rng, 4000)
                attempts = 2 if j % 3 == 0 else 1
                (folder / f"{instance}.py").write_text(final)
                if attempts > 1:
                    (folder / f"{instance}.attempt0.py").write_text(final.replace("mesh.from", "mesh_.from"))
                    (folder / f"{instance}.attempt1.py").write_text(final)
                (folder / "thinking_attempt1.txt").write_text("Block out the silhouette first.")
                (folder / "log.json").write_text(json.dumps(log_record(instance, model, task, views, attempts)))
                outputs += 1
    return outputs


def timed_import(release: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "arena_import", str(release), "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"arena_import failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = [line for line in done.stdout.splitlines() if re.search(r"\d+ created", line)]
    return seconds, summary[-1] if summary else done.stdout.strip()


def postgres_reset(url: str, name: str, *, create: bool) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return re.sub(r"/[^/]*$", f"/{name}", url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arena.bench_import", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (its admin database) to import into")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="arena-bench-import-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        outputs = release_write(work / "release")
        written = time.perf_counter() - started
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL")}
        env |= {
            "DATA_DIR": str(work / "data"),
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": secrets.token_urlsafe(40),
        }
        database = "SQLite (a temporary file)"
        if args.database_url:
            env["DATABASE_URL"] = postgres_reset(args.database_url, "arena_bench_import", create=True)
            database = "PostgreSQL"
        try:
            subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
            first, first_summary = timed_import(work / "release", env)
            second, second_summary = timed_import(work / "release", env)
        finally:
            if args.database_url:
                postgres_reset(args.database_url, "arena_bench_import", create=False)
    verdict = "met" if first < GOAL_SECONDS else "not met"
    print(
        f"Synthetic release: {CATEGORIES} categories ({IMAGE_INSTANCES} with 4 reference views), {MODELS} models x 3 "
        f"runs (text, image from 4 views, image from 1 view): {outputs} model outputs with log.json, every third "
        f"with 2 attempts; written in {written:.1f} s. Database: {database}. Each import is one "
        "`manage.py arena_import` process, start-up included, no rendering.\n"
    )
    print("| import | wall time | records per second | command's summary |")
    print("|---|---:|---:|---|")
    records = outputs + CATEGORIES + IMAGE_INSTANCES + 3 * MODELS
    print(f"| first | {first:.1f} s | {records / first:.0f} | {first_summary} |")
    print(f"| again (nothing changes) | {second:.1f} s | {records / second:.0f} | {second_summary} |")
    print(f"\nGoal: the first import under {GOAL_SECONDS:.0f} s: {verdict}.")
    return 0 if "0 error(s)" in first_summary and second_summary.startswith("0 created, 0 updated") else 1


if __name__ == "__main__":
    raise SystemExit(main())
