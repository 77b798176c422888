from __future__ import annotations

from django.contrib import admin

from metrics.models import AssetMetric, GeneratorMetric


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
