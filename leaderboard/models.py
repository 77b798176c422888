"""Leaderboard snapshots: a rating computed once, stored so it can be cited."""

from __future__ import annotations

from django.db import models

from arena.models import Study, new_public_id


class FittedBoard(models.Model):
    """What every stored board holds: its fit, the size and fingerprint of its vote set, and when it was made."""

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    n_votes = models.PositiveIntegerField()
    votes_hash = models.CharField(max_length=64)
    options = models.JSONField(default=dict)
    rows = models.JSONField(default=list)
    models_order = models.JSONField(default=list)
    win_matrix = models.JSONField(default=list)
    count_matrix = models.JSONField(default=list)
    compute_seconds = models.FloatField(default=0.0)

    class Meta:
        abstract = True


class Snapshot(FittedBoard):
    """One board (a task, or all tasks; a family or a category, or all) at one moment.

    `votes_hash` fingerprints the exact vote set, so a paper can cite a version
    and anyone can check that an export reproduces it.
    """

    task = models.CharField(max_length=16, blank=True, help_text="Empty: all tasks.")
    family = models.CharField(max_length=16, blank=True, help_text="Empty: all families (or the category's).")
    category = models.CharField(max_length=100, blank=True, help_text="Empty: all categories.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["task", "family", "category", "-created_at"])]

    def __str__(self) -> str:
        scope = f"{self.task or 'overall'}/{self.category or self.family or 'all'}"
        return f"{scope} @ {self.created_at:%Y-%m-%d %H:%M} ({self.n_votes} votes)"


class StudyBoard(FittedBoard):
    """One study's board for one criterion, fitted from that study's counted votes only.

    Kept apart from `Snapshot` so that no public board, history or snapshot address can reach it:
    a study's results are shown to staff unless the study publishes its board (`Study.board_public`).
    `criterion` is the criterion's key, or empty for a study that asks its single question.
    """

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="boards")
    criterion = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["study", "criterion", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.study.slug}/{self.criterion or 'vote'} @ {self.created_at:%Y-%m-%d %H:%M} ({self.n_votes} votes)"


class ReportStatus(models.TextChoices):
    COMPUTING = "computing", "Computing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class CorrelationReport(models.Model):
    """Agreement of every metric with the human ratings, as the correlation page shows it."""

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.COMPUTING)
    fingerprint = models.CharField(max_length=64, blank=True, help_text="Hash of the inputs: snapshots and metrics.")
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    compute_seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "renderer_correlationreport"  # its name from when it lived in the renderer app
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"correlation report {self.public_id} ({self.status})"
