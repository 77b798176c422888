"""The correlation report is recomputed in the background when snapshots land, never in a request."""

from __future__ import annotations

import pytest
from django.test import Client

from arena import background
from leaderboard import correlation_services, tasks
from leaderboard.models import CorrelationReport, ReportStatus
from leaderboard.services import snapshot_compute
from tests.leaderboard.conftest import make_votes

pytestmark = pytest.mark.django_db

VOTES = [("Atlas", "Birch", "a")] * 6 + [("Birch", "Cobalt", "a")] * 5 + [("Atlas", "Cobalt", "b")] * 2


class FakeTimer:
    started: list[FakeTimer] = []

    def __init__(self, delay, function, args=()):
        self.delay, self.daemon = delay, False
        self.fn = lambda: function(*args)

    def start(self):
        FakeTimer.started.append(self)


@pytest.fixture
def timers(monkeypatch, settings):
    settings.CELERY_BROKER_URL = ""
    settings.LEADERBOARD_DEBOUNCE_SECONDS = 2
    FakeTimer.started = []
    monkeypatch.setattr(background.threading, "Timer", FakeTimer)
    monkeypatch.setattr(background, "close_old_connections", lambda: None)  # the test's transaction
    return FakeTimer.started


def test_it_schedules_one_report_for_a_burst_of_snapshots(timers, django_capture_on_commit_callbacks):
    make_votes(VOTES)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_compute(task="")
        snapshot_compute(task="text-to-3d")
    assert len(timers) == 1 and timers[0].delay == 2 and timers[0].daemon
    timers[0].fn()  # what the timer's thread runs
    report = correlation_services.report_latest()
    assert report.status == ReportStatus.READY
    assert [s["task"] for s in report.report["scopes"]] == ["", "text-to-3d"]


def test_it_queues_the_report_on_celery_when_a_broker_is_configured(settings, monkeypatch,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    settings.CELERY_BROKER_URL = "redis://broker.invalid/0"
    queued = []
    monkeypatch.setattr(tasks.correlation_report_refresh, "apply_async",
                        lambda **kwargs: queued.append(kwargs))  # fmt: skip
    make_votes(VOTES)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_compute(task="")
    assert queued == [{"countdown": settings.LEADERBOARD_DEBOUNCE_SECONDS}]
    assert tasks.correlation_report_refresh() is not None  # the task, run in-process
    assert CorrelationReport.objects.filter(status=ReportStatus.READY).count() == 1


def test_it_never_computes_in_a_request(timers, django_capture_on_commit_callbacks):
    make_votes(VOTES)
    snapshot_compute(task="")
    with django_capture_on_commit_callbacks(execute=True):
        page = Client().get("/leaderboard/correlation/")
        data = Client().get("/leaderboard/api/correlation/").json()
    assert "Computing…" in page.content.decode()
    assert data["status"] == "computing" and data["report"] is None
    assert not CorrelationReport.objects.exists()


def test_it_says_when_there_is_nothing_to_correlate_yet():
    page = Client().get("/leaderboard/correlation/")
    assert "No votes yet" in page.content.decode()
    assert correlation_services.report_compute(rounds=10) is None


def test_it_tells_open_pages_when_a_report_lands(monkeypatch):
    sent = []
    monkeypatch.setattr(correlation_services, "group_send", lambda group, message: sent.append((group, message)))
    make_votes(VOTES)
    snapshot_compute(task="")
    report = correlation_services.report_compute(rounds=20)
    assert sent == [("leaderboard", {"type": "correlation.updated", "report": report.public_id})]
