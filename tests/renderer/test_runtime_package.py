"""The runtime package stands alone: pure imports, and all of the project a sandbox sees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.renderer.conftest import CUBE

PROJECT = Path(__file__).resolve().parents[2]
RUNTIME = PROJECT / "renderer" / "runtime"
# Top-level packages of the project's Django side, and Django itself.
FORBIDDEN = ("django", "arena", "leaderboard", "metrics", "config")

IMPORT_ALL = """
import importlib, json, pkgutil, sys
import renderer.runtime
for module in pkgutil.iter_modules(renderer.runtime.__path__):
    importlib.import_module("renderer.runtime." + module.name)
print(json.dumps(sorted(sys.modules)))
"""

SANDBOX_REPORT = """
import importlib.util, json, os
import renderer, renderer.runtime.pool
files = [
    os.path.relpath(os.path.join(root, name), "/opt/arena")
    for root, _, names in os.walk("/opt/arena") for name in names
]
report = {
    "files": sorted(files),
    "renderer_path": list(renderer.__path__),
    "runtime_file": renderer.runtime.__file__,
    "specs": {
        name: importlib.util.find_spec(name) is not None
        for name in ("renderer.models", "renderer.services", "renderer.migrations", "arena", "leaderboard", "config")
    },
    "host_paths": {path: os.path.exists(path) for path in %(host_paths)r},
}
print("REPORT", json.dumps(report))
"""


def test_it_imports_no_django_or_app_module() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], cwd=PROJECT, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    modules = json.loads(completed.stdout.splitlines()[-1])
    assert "renderer.runtime.blender_job" in modules and "renderer.runtime.pool" in modules
    assert [name for name in modules if name.split(".")[0] in FORBIDDEN] == []
    # Of the renderer app, only the (empty) parent package and the runtime itself.
    outside = [name for name in modules if name.startswith("renderer.") and not name.startswith("renderer.runtime")]
    assert outside == []


def test_it_mounts_only_the_runtime_package_in_the_sandbox(run_script) -> None:
    # The renderer app's Django side, and every app's models and migrations.
    host = [PROJECT / "renderer" / "services.py", PROJECT / "renderer" / "workers.py"]
    host += sorted(PROJECT.glob("*/models.py")) + sorted(PROJECT.glob("*/migrations"))
    assert len(host) >= 8 and all(path.exists() for path in host)
    host_paths = [str(path) for path in host]
    result = run_script(CUBE + SANDBOX_REPORT % {"host_paths": host_paths})
    assert result["status"] == "ok", result["error"]
    assert result["sandboxed"] is True
    report = json.loads(result["stdout"].split("REPORT ", 1)[1].splitlines()[0])
    assert report["runtime_file"] == "/opt/arena/renderer/runtime/__init__.py"
    assert report["renderer_path"] == ["/opt/arena/renderer"]
    assert report["specs"] == dict.fromkeys(report["specs"], False)
    assert report["host_paths"] == dict.fromkeys(host_paths, False)
    # Everything under /opt/arena is the runtime package's own files.
    assert [path for path in report["files"] if not path.startswith("renderer/runtime/")] == []
    sources = sorted(path for path in report["files"] if path.endswith(".py"))
    assert sources == sorted(f"renderer/runtime/{path.name}" for path in RUNTIME.glob("*.py"))
