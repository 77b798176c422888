"""Run every script of the demo corpus in a fresh, empty Blender scene and report.

Usage (from the repository root):

    .venv/bin/python demo/check.py                   # table of all manifest scripts
    .venv/bin/python demo/check.py --only demo-rusty # filter by substring of the path
    .venv/bin/python demo/check.py --write-expected  # also rewrite demo/expected_status.json
    .venv/bin/python demo/check.py --markdown        # print the table as Markdown
    .venv/bin/python demo/check.py --compare         # exit 1 if a status differs from expected_status.json

Each script runs the way the arena's renderer runs generated code: the scene is
reset with ``read_factory_settings(use_empty=True)``, the script is executed with
``__name__ == "__main__"``, cameras and lights are removed, and the remaining mesh
objects are measured through the evaluated depsgraph (modifiers applied).

The parent process imports ``bpy`` once and forks one child per script, so a
script cannot leak state into the next one and a crash or a hang only affects
its own row.

Statuses: ``ok``, ``err_exec`` (the script raised), ``err_no_mesh`` (it ran but
left no mesh with vertices), ``err_timeout``, ``err_crash`` (the child died).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import time
import traceback

DEMO_DIR = os.path.dirname(os.path.abspath(__file__))


def manifest_scripts(demo_dir: str = DEMO_DIR) -> list[str]:
    """All script paths (relative to demo/) named by the manifest, references first."""
    paths: list[str] = []
    with open(os.path.join(demo_dir, "prompts.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                paths.append(json.loads(line)["reference_script"])
    with open(os.path.join(demo_dir, "outputs.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                paths.append(json.loads(line)["code"])
    return paths


def _error_line(exc: BaseException, filename: str) -> str:
    """'ExcType: message (line N: source)' with the deepest frame inside the script."""
    lineno = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            lineno = frame.lineno
            src = (frame.line or "").strip()
    msg = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    if lineno is not None:
        msg += f" [line {lineno}] {src if len(src) <= 80 else src[:77] + '...'}"
    return msg


def run_one(path: str) -> dict:
    """Run one script in the current process (meant to be called in a forked child)."""
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    code = compile(source, path, "exec")
    result = {"status": "ok", "error": "", "meshes": 0, "vertices": 0, "faces": 0}
    t0 = time.perf_counter()
    try:
        exec(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})
    except SystemExit:
        pass
    except BaseException as exc:  # noqa: BLE001 - we report everything the script raised
        result["status"] = "err_exec"
        result["error"] = _error_line(exc, path)

    # The runner's clean-up: drop cameras and lights, keep meshes.
    for obj in list(bpy.data.objects):
        if obj.type in {"CAMERA", "LIGHT", "LIGHT_PROBE"}:
            bpy.data.objects.remove(obj, do_unlink=True)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    for obj in bpy.context.scene.objects:
        if obj.type != "MESH":
            continue
        ev = obj.evaluated_get(depsgraph)
        mesh = ev.to_mesh()
        if len(mesh.vertices):
            result["meshes"] += 1
            result["vertices"] += len(mesh.vertices)
            result["faces"] += len(mesh.polygons)
        ev.to_mesh_clear()
    # time = running the script + evaluating its modifiers (what the renderer pays)
    result["seconds"] = time.perf_counter() - t0
    if result["status"] == "ok" and result["meshes"] == 0:
        result["status"] = "err_no_mesh"
    return result


def run_forked(path: str, timeout: float) -> dict:
    read_fd, write_fd = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            # Keep the child's own output (Blender's and the script's prints) out of the table.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            res = run_one(path)
        except BaseException as exc:  # noqa: BLE001
            res = {"status": "err_crash", "error": repr(exc), "meshes": 0, "vertices": 0, "faces": 0, "seconds": 0.0}
        os.write(write_fd, json.dumps(res).encode())
        os.close(write_fd)
        os._exit(0)
    os.close(write_fd)
    chunks = []
    deadline = t0 + timeout
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_fd)
            return {"status": "err_timeout", "error": f"no result after {timeout:.0f} s", "meshes": 0,
                    "vertices": 0, "faces": 0, "seconds": timeout}
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            data = os.read(read_fd, 65536)
            if not data:
                break
            chunks.append(data)
    os.close(read_fd)
    _, wstatus = os.waitpid(pid, 0)
    if not chunks:
        return {"status": "err_crash", "error": f"child exited with status {wstatus}", "meshes": 0,
                "vertices": 0, "faces": 0, "seconds": time.perf_counter() - t0}
    return json.loads(b"".join(chunks).decode())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scripts", nargs="*", help="script paths relative to demo/ (default: whole manifest)")
    ap.add_argument("--only", default="", help="keep manifest scripts whose path contains this text")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--write-expected", action="store_true", help="rewrite demo/expected_status.json")
    ap.add_argument("--compare", action="store_true", help="compare with demo/expected_status.json")
    args = ap.parse_args(argv)

    import bpy  # noqa: F401  - imported once in the parent, inherited by every fork

    scripts = args.scripts or [p for p in manifest_scripts() if args.only in p]
    missing = [p for p in scripts if not os.path.isfile(os.path.join(DEMO_DIR, p))]
    if missing:
        print("missing files:", *missing, sep="\n  ")
        return 2

    results = {}
    t_all = time.perf_counter()
    for rel in scripts:
        res = run_forked(os.path.join(DEMO_DIR, rel), args.timeout)
        results[rel] = res
        if not args.markdown:
            print(f"{rel:<48} {res['status']:<12} {res['vertices']:>7} {res['seconds']:6.2f}s  {res['error']}",
                  flush=True)
    wall = time.perf_counter() - t_all

    if args.markdown:
        print("| script | status | meshes | vertices | seconds | error |")
        print("|---|---|---:|---:|---:|---|")
        for rel, r in results.items():
            err = r["error"].replace("|", "\\|")
            print(f"| `{rel}` | {r['status']} | {r['meshes']} | {r['vertices']} | {r['seconds']:.2f} | {err} |")

    counts: dict[str, int] = {}
    for r in results.values():
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    total_exec = sum(r["seconds"] for r in results.values())
    print(f"\n{len(results)} scripts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f"; script time {total_exec:.1f} s, wall time {wall:.1f} s")

    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    expected_path = os.path.join(DEMO_DIR, "expected_status.json")
    if args.write_expected:
        with open(expected_path, "w", encoding="utf-8") as fh:
            json.dump({k: v["status"] for k, v in results.items()}, fh, indent=1, sort_keys=True)
            fh.write("\n")
        print(f"wrote {expected_path}")
    if args.compare:
        with open(expected_path, encoding="utf-8") as fh:
            expected = json.load(fh)
        diffs = [(k, expected.get(k), v["status"]) for k, v in results.items() if expected.get(k) != v["status"]]
        for k, e, g in diffs:
            print(f"MISMATCH {k}: expected {e}, got {g}")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
