# Leave a result.json nested 100 000 levels deep (valid JSON, but deeper than the host's parser recurses).
from renderer.runtime import blender_job


def write_result(out, result):
    (out / "result.json").write_text("[" * 100_000 + "]" * 100_000)


blender_job._write_result = write_result
