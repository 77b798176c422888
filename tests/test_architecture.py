"""The dependency rule of docs/architecture.md holds, and breaking it fails the check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "arena", "renderer", "metrics", "leaderboard")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_the_import_contracts_are_kept():
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 4 kept, 0 broken." in run.stdout


def _copy(target: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def test_an_upward_import_breaks_the_contracts(tmp_path):
    _copy(tmp_path)
    (tmp_path / "arena" / "upward.py").write_text("def rank():\n    from leaderboard import selectors\n")
    run = _lint_imports(tmp_path)
    assert run.returncode != 0
    assert "arena is not allowed to import leaderboard" in run.stdout
    assert "arena.upward -> leaderboard.selectors" in run.stdout


def test_a_cycle_inside_an_app_breaks_the_contracts(tmp_path):
    _copy(tmp_path)
    (tmp_path / "leaderboard" / "looped.py").write_text("from leaderboard import tasks\n")
    (tmp_path / "leaderboard" / "services.py").write_text(
        (ROOT / "leaderboard" / "services.py").read_text() + "\n\ndef loop():\n    from leaderboard import looped\n"
    )
    run = _lint_imports(tmp_path)
    assert run.returncode != 0
    assert "No cycles are allowed in leaderboard" in run.stdout


def test_the_web_application_never_imports_bpy_or_torch():
    code = (
        "import django, sys; django.setup();"
        "import config.urls, config.asgi, config.openapi, config.celery;"
        "import arena.views, renderer.views, renderer.tasks, metrics.tasks, leaderboard.views, leaderboard.tasks;"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "from django.contrib import admin; admin.autodiscover();"
        "print(sorted(m for m in ('bpy', 'torch', 'transformers') if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("key, refused", [("", True), ("a-long-random-production-key-" + "x" * 20, False)])
def test_production_refuses_the_built_in_secret_key(key, refused):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"DEBUG": "false"}
    if key:
        env["SECRET_KEY"] = key
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    if refused:
        assert run.returncode != 0
        assert "SECRET_KEY is the built-in development key and DEBUG is off" in run.stderr
    else:
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == "False"
