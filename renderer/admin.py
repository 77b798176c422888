from __future__ import annotations

from django.contrib import admin

from renderer.models import AssetMetric, CorrelationReport, GeneratorMetric


@admin.register(AssetMetric)
class AssetMetricAdmin(admin.ModelAdmin):
    list_display = ["asset", "name", "value", "source", "computed_at"]
    list_filter = ["name", "source"]
    search_fields = ["asset__prompt__slug", "asset__generator__name", "name"]
    raw_id_fields = ["asset"]


@admin.register(GeneratorMetric)
class GeneratorMetricAdmin(admin.ModelAdmin):
    list_display = ["generator", "task", "name", "value", "source", "computed_at"]
    list_filter = ["name", "task", "source"]


@admin.register(CorrelationReport)
class CorrelationReportAdmin(admin.ModelAdmin):
    list_display = ["public_id", "status", "compute_seconds", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["public_id", "fingerprint", "report", "error"]
