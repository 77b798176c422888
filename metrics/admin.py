from __future__ import annotations

from django.contrib import admin

from metrics.models import AssetMetric, GeneratorMetric, Judge, Judgement


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


@admin.register(Judge)
class JudgeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    search_fields = ["name"]


@admin.register(Judgement)
class JudgementAdmin(admin.ModelAdmin):
    list_display = ["judge", "prompt", "generator_a", "generator_b", "a_first", "winner", "probability_a"]
    list_filter = ["judge", "winner"]
    search_fields = ["prompt__slug", "generator_a__name", "generator_b__name"]
    raw_id_fields = ["prompt", "asset_a", "asset_b"]
