# Leave a result.json whose stats hold a list nested 600 levels deep (parses, then exhausts the host's recursion).
from renderer.runtime import blender_job


def write_result(out, result):
    (out / "result.json").write_text('{"status": "ok", "stats": {"bbox_min": ' + "[" * 600 + "]" * 600 + "}}")


blender_job._write_result = write_result
