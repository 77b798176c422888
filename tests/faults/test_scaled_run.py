"""The scaled-out setup as deployed: two web processes, two Celery render workers, PostgreSQL, Redis.

The whole demo (14 prompts, 56 generated scripts and 14 references) is imported
with `arena_import --render`, which queues every render on Celery as the app
does with a broker; both workers render (one clay view of 128 px, to be quick)
into one shared media folder, and every asset ends as demo/expected_status.json says.
Votes cast through web process 1 then reach a leaderboard page connected to web
process 2: the refresh runs on a worker and its broadcast crosses the Redis
channel layer.
"""

from __future__ import annotations

import json
import re
import sys

import pytest

from arena.models import Asset, Status, Vote
from leaderboard.models import Snapshot
from tests.conftest import ROOT
from tests.faults.clients import WINNERS, Annotator, LiveSocket, wait_until
from tests.faults.processes import free_port, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DEMO = ROOT / "demo"
EXPECTED = json.loads((DEMO / "expected_status.json").read_text())  # script path -> status, all 70 assets
VOTES_PER_ANNOTATOR = 8


def rendered_statuses() -> dict[str, str]:
    """Each asset's status, keyed like demo/expected_status.json."""
    statuses = {}
    for asset in Asset.objects.select_related("prompt", "generator"):
        path = f"references/{asset.prompt.slug}.py" if asset.is_reference else None
        statuses[path or f"outputs/{asset.generator.name}/{asset.prompt.slug}.py"] = asset.status
    return statuses


def renders_done_by(log: str) -> int:
    return len(re.findall(r"Task renderer\.tasks\.render_asset\[[^\]]+\] succeeded", log))


def overall_votes(snapshot_ids: list[str]) -> int | None:
    snapshot = Snapshot.objects.filter(public_id__in=snapshot_ids, task="", family="", category="").first()
    return snapshot.n_votes if snapshot else None


def test_two_web_processes_and_two_workers_render_the_demo_and_carry_live_updates(processes, private_redis, tmp_path):
    env = server_env(
        media=tmp_path / "media",
        redis_url=private_redis.url(),
        RENDER_WORKERS="1",
        RENDER_VIEWS="1",
        RENDER_SIZE="128",
        RENDER_TIMEOUT="60",
        LEADERBOARD_DEBOUNCE_SECONDS="1",
        LEADERBOARD_BOOTSTRAP="100",
    )
    workers = {name: processes.worker(name, env) for name in ("render1", "render2")}
    ports = [free_port(), free_port()]
    for k, port in enumerate(ports):
        processes.web(f"web{k + 1}", port, env)
    for name, worker in workers.items():
        processes.wait_for_log(name, worker, " ready.")

    importer = processes.start("import", [sys.executable, "manage.py", "arena_import", str(DEMO), "--render"], env)
    assert importer.wait(120) == 0, processes.tail("import")
    assert f"Queued {len(EXPECTED)} render job(s)" in processes.tail("import")
    finished = wait_until(lambda: not Asset.objects.filter(status__in=[Status.PENDING, Status.RUNNING]).exists(), 240)
    assert finished, f"renders left unfinished: {rendered_statuses()}\n{processes.tail('render1')}"
    assert rendered_statuses() == EXPECTED
    assert all((tmp_path / "media" / asset.glb.name).is_file() for asset in Asset.objects.filter(status=Status.OK))
    done = {name: renders_done_by(processes.tail(name, chars=10_000_000)) for name in workers}
    assert sum(done.values()) == len(EXPECTED) and all(done.values()), f"renders per worker: {done}"

    live = LiveSocket(f"ws://127.0.0.1:{ports[1]}/ws/leaderboard/").start()
    try:
        assert wait_until(lambda: live.opened, 20), "the leaderboard socket never opened"
        for annotator in (Annotator(f"http://127.0.0.1:{ports[0]}") for _ in range(2)):
            annotator.open()
            for n in range(VOTES_PER_ANNOTATOR):
                pair = annotator.post("/arena/api/battles/", {})
                assert pair.status == 200, pair.text
                vote = annotator.post("/arena/api/vote/", {"token": pair.json()["token"], "winner": WINNERS[n % 3]})
                assert vote.status == 200, vote.text
        total = Vote.objects.count()
        assert total == 2 * VOTES_PER_ANNOTATOR

        def board_caught_up() -> bool:
            # The group also carries correlation reports ({"correlation": ...}); the board's page skips them.
            return any(overall_votes(r.message.get("snapshots", [])) == total for r in live.received)

        # The refresh job waits in the one Celery queue behind the metrics of every render, which on a
        # fresh checkout first compile their Numba kernels: allow as long as the renders themselves.
        assert wait_until(board_caught_up, 240, interval=0.5), (
            f"no leaderboard update with all {total} votes reached web2's page: {[r.message for r in live.received]}"
        )
    finally:
        live.close()
