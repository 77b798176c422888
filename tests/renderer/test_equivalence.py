"""The pool gives what a plain ``bpy`` run gives, for code written like a model writes it.

The plain run happens in a separate, unsandboxed Python process that only
imports ``bpy``, clears the scene, runs the script with ``runpy`` and
measures the mesh objects left behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.renderer.conftest import SCRIPTS

CASES = sorted(SCRIPTS.glob("equiv_*.py"))


def plain_run(script: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / "plain_run.py"), str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


@pytest.fixture(scope="module")
def plain_results() -> dict[str, dict]:
    return {case.name: plain_run(case) for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_it_matches_a_plain_bpy_run(pool, plain_results, tmp_path: Path, case: Path) -> None:
    expected = plain_results[case.name]
    result = pool.run(case, tmp_path)
    assert result["status"] == expected["status"], result["error"]
    if expected["status"] == "ok":
        assert result["stats"]["vertices"] == expected["vertices"]
        x, y, z = expected["size"]
        np.testing.assert_allclose(result["stats"]["dimensions"], [x, z, y], rtol=1e-5, atol=1e-6)


def test_it_covers_every_status_of_the_reference_runs(plain_results) -> None:
    statuses = {result["status"] for result in plain_results.values()}
    assert statuses == {"ok", "err_exec", "err_no_mesh"}
