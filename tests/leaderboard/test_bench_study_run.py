"""`make bench-study` end to end, small: a few participants through gunicorn behind nginx, on PostgreSQL.

The benchmark runs as its own process (it sets Django up on its own database), with a quota short
enough that every participant passes the gate of gold pairs and reaches the completion.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from leaderboard.bench_arena import ROOT
from leaderboard.bench_study import nginx_binary
from tests.conftest import missing_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_small_launch_runs_through_the_gate_to_the_completion_and_keeps_every_vote(settings, redis_url):
    if nginx_binary() is None:
        missing_service("needs Debian's nginx (apt-get install nginx)")
    database = settings.DATABASES["default"]
    server = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/postgres"
    arguments = ["--ways", "accel", "--first", "4", "--ramp", "1", "--hold", "8", "--think", "0.3",
                 "--quota", "4", "--budget", "20", "--postgres", server, "--redis", redis_url]  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "leaderboard.bench_study", *arguments],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = run.stdout
    assert "Integrity: the database holds exactly the acknowledged votes." in report
    row = next(line for line in report.splitlines() if line.startswith("| nginx sends (X-Accel-Redirect) | 4 |"))
    assert row.split("|")[-5].strip() == "0"  # failures
    # Two gold pairs (the gate), then the quota's four votes: all four participants completed.
    assert re.search(r"peak 4 at once, 4 reached the quota", report), report
    assert "cache in Redis" in report
    assert re.fullmatch(r"\d+", row.split("|")[-3].strip())  # nginx's own p99, from its access log
