"""The Chamfer benchmark (python -m metrics.bench) runs and checks itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_times_every_pair_and_checks_it_against_the_naive_method() -> None:
    # Few points keep it quick; the figures themselves belong in docs/benchmarks.md.
    command = [sys.executable, "-m", "metrics.bench", "--points", "300", "--repeats", "1", "--no-brute-force"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    output = result.stdout
    assert "small ball with a long spike vs sphere: chamfer" in output
    assert "all 144 ordered pairs of 12 primitive shapes" in output
    assert "over 100 ms: 0 pairs" in output
