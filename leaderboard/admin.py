from __future__ import annotations

from django.contrib import admin

from leaderboard.models import CorrelationReport, Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["public_id", "task", "family", "category", "n_votes", "votes_hash", "created_at"]
    list_filter = ["task", "family", "category"]
    readonly_fields = ["public_id", "votes_hash", "rows", "win_matrix", "count_matrix", "options"]


@admin.register(CorrelationReport)
class CorrelationReportAdmin(admin.ModelAdmin):
    list_display = ["public_id", "status", "compute_seconds", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["public_id", "fingerprint", "report", "error"]
