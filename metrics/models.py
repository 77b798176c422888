"""Automatic metric values, per asset and per model.

`AssetMetric` holds one metric of one asset against its prompt's reference
(computed by `metrics.services`, or imported from a benchmark run);
`GeneratorMetric` holds model-level values imported as they are (a metric the
benchmark reported only per model); `ImportedMetric` the direction declared
for an imported metric outside the built-in catalogue; `Judge` and
`Judgement` the pairwise verdicts of an automatic judge (an LLM asked which of
two outputs is better), imported by `arena_import_judgements`.

The tables keep the names they had when these models lived in the renderer
app (`db_table`), so moving them here moved no data.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from arena.models import Asset, Generator, Prompt, Setting, Winner


class MetricSource(models.TextChoices):
    COMPUTED = "computed", "Computed here"
    IMPORTED = "imported", "Imported"


class AssetMetric(models.Model):
    """One metric of one asset. A null value means undefined for the asset (counted as a failure)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=64, db_index=True)
    value = models.FloatField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True, help_text="Per-view values, best yaw, reason when undefined.")
    source = models.CharField(max_length=16, choices=MetricSource.choices, default=MetricSource.COMPUTED)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "renderer_assetmetric"
        ordering = ["asset_id", "name"]
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="one_value_per_asset_metric")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.name}={self.value}"


class GeneratorMetric(models.Model):
    """A model-level value imported as is; `task` empty means all tasks."""

    generator = models.ForeignKey(Generator, on_delete=models.CASCADE, related_name="metrics")
    task = models.CharField(max_length=16, blank=True)
    name = models.CharField(max_length=64, db_index=True)
    value = models.FloatField()
    source = models.CharField(max_length=16, choices=MetricSource.choices, default=MetricSource.IMPORTED)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "renderer_generatormetric"
        ordering = ["generator__name", "task", "name"]
        constraints = [
            models.UniqueConstraint(fields=["generator", "task", "name"], name="one_value_per_generator_metric")
        ]

    def __str__(self) -> str:
        return f"{self.generator} {self.task or 'all'} {self.name}={self.value}"


class ImportedMetric(models.Model):
    """The direction declared for a metric name outside the built-in catalogue.

    Set by `arena_import_metrics` from the file's `direction` column; read
    when aggregating (which value counts as worst) and correlating (the sign).
    A name with no row here is treated as higher-is-better.
    """

    name = models.CharField(max_length=64, unique=True)
    higher_is_better = models.BooleanField()
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "renderer_importedmetric"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({'higher' if self.higher_is_better else 'lower'} is better)"


class Judge(models.Model):
    """An automatic judge whose pairwise verdicts are held to the human votes (see docs/correlation.md)."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, default="llm", help_text="What judges: llm, script, ...")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Judgement(models.Model):
    """One verdict of a judge on two models' outputs for a prompt.

    `a_first` says which output the judge saw first. A pair judged in both
    orders is two judgements (the swap test compares them). The settings and
    assets are filled in when the file names the settings, or when the model
    has exactly one output for the prompt.
    """

    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="judgements")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="judgements")
    generator_a = models.ForeignKey(Generator, on_delete=models.CASCADE, related_name="+")
    generator_b = models.ForeignKey(Generator, on_delete=models.CASCADE, related_name="+")
    setting_a = models.ForeignKey(Setting, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    setting_b = models.ForeignKey(Setting, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    asset_a = models.ForeignKey(Asset, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    asset_b = models.ForeignKey(Asset, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    a_first = models.BooleanField(default=True, help_text="A was shown to the judge first.")
    winner = models.CharField(max_length=8, choices=Winner.choices)
    probability_a = models.FloatField(null=True, blank=True, help_text="The judge's probability that A is better.")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["judge_id", "prompt_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["judge", "prompt", "generator_a", "generator_b", "a_first"], name="one_judgement_per_order"
            ),
            models.CheckConstraint(
                condition=~models.Q(generator_a=models.F("generator_b")), name="judgement_two_models"
            ),
            models.CheckConstraint(
                condition=models.Q(probability_a__isnull=True)
                | models.Q(probability_a__gte=0.0, probability_a__lte=1.0),
                name="judgement_probability_in_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.judge}: {self.prompt} {self.generator_a} vs {self.generator_b} -> {self.winner}"
