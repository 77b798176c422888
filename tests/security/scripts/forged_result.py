# Write result.json ourselves: claim success, huge strings, non-numbers, files outside the output.
import json

from renderer.runtime import blender_job


def forged(out, result):
    forged_result = {
        "status": "ok",
        "error": "x" * 1_000_000,
        "stdout": "A" * 10_000_000,
        "stats": {"vertices": "'; DROP TABLE arena_asset; --", "faces": [1, "two"], "objects": 1},
        "timings": {"script": {"nested": 1}},
        "files": {"glb": "/etc/passwd", "views": ["../../../../root/.bashrc"]},
        "sandboxed": False,
    }
    (out / "result.json").write_text(json.dumps(forged_result))


blender_job._write_result = forged
