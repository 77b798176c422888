from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from arena.models import Annotator, Asset, Battle, Generator, Participant, Prompt, Study, Vote
from arena.signals import emit, renders_requested
from arena.study_services import criteria_check, study_check


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["slug", "task", "category", "text"]
    list_filter = ["task", "category"]
    search_fields = ["slug", "text"]


@admin.register(Generator)
class GeneratorAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "version"]
    search_fields = ["name", "provider"]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["public_id", "prompt", "generator", "is_reference", "status", "rendered_at"]
    list_filter = ["status", "is_reference", "generator", "prompt__task"]
    search_fields = ["public_id", "prompt__slug", "generator__name"]
    readonly_fields = ["public_id", "render_started_at", "rendered_at", "attempts"]
    actions = ["rerender"]

    @admin.action(description="Render again")
    def rerender(self, request, queryset):  # type: ignore[no-untyped-def]
        ids = list(queryset.values_list("id", flat=True))
        emit(renders_requested, asset_ids=ids, force=True)
        self.message_user(request, f"{len(ids)} asset(s) queued for rendering.")


@admin.register(Annotator)
class AnnotatorAdmin(admin.ModelAdmin):
    list_display = ["public_id", "user", "flagged", "created_at"]
    list_filter = ["flagged"]


@admin.register(Battle)
class BattleAdmin(admin.ModelAdmin):
    list_display = ["public_id", "prompt", "strategy", "is_gold", "repeat_of", "annotator", "created_at", "revealed_at"]
    list_filter = ["strategy", "is_gold"]
    raw_id_fields = ["asset_a", "asset_b", "annotator", "prompt"]
    readonly_fields = ["repeat_of"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["battle", "winner", "generator_a", "generator_b", "flagged", "flag_reason", "created_at"]
    list_filter = ["flagged", "winner"]
    raw_id_fields = ["battle", "prompt", "generator_a", "generator_b", "annotator"]
    actions = ["reinstate", "flag"]

    @admin.action(description="Reinstate (count in ratings)")
    def reinstate(self, request, queryset):  # type: ignore[no-untyped-def]
        queryset.update(flagged=False, flag_reason="")

    @admin.action(description="Flag (leave out of ratings)")
    def flag(self, request, queryset):  # type: ignore[no-untyped-def]
        queryset.update(flagged=True, flag_reason="flagged by an admin")


class CriteriaField(forms.CharField):
    """A study's criteria as lines of `key | Label | help text` (none: the arena's single question)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80})

    def prepare_value(self, value):  # type: ignore[no-untyped-def]
        if isinstance(value, list):
            return "\n".join(" | ".join([c["key"], c["label"], c.get("help", "")]).rstrip(" |") for c in value)
        return value

    def to_python(self, value):  # type: ignore[no-untyped-def]
        criteria = []
        for line in (value or "").splitlines():
            if line.strip():
                key, label, help_text = ([part.strip() for part in line.split("|", 2)] + ["", ""])[:3]
                criteria.append({"key": key, "label": label, "help": help_text})
        return criteria

    def validate(self, value):  # type: ignore[no-untyped-def]
        try:
            criteria_check(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["criteria"]) from None


class StudyForm(forms.ModelForm):
    completion_url = forms.URLField(assume_scheme="https", max_length=500, required=False)
    screenout_url = forms.URLField(assume_scheme="https", max_length=500, required=False)
    criteria = CriteriaField(
        required=False,
        help_text="Up to four, one a line: <code>key | Label | help text</code>, e.g. <code>fidelity | Prompt "
        "fidelity | Does it show what the prompt asks?</code>. Each is answered A / B / tie / both bad on one "
        "screen; the first is the main vote (public boards, gate). Empty: the arena's single question.",
    )

    class Meta:
        model = Study
        fields = [
            "slug", "title", "instructions", "consent", "prompts", "generators", "model_settings", "quota",
            "gold_rate", "repeat_rate", "gate_pairs", "gate_pass", "min_vote_seconds", "reveal", "opens_at",
            "closes_at", "completion_url", "completion_code", "screenout_url", "screenout_code", "criteria",
            "board_public",
        ]  # fmt: skip

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        if not self.errors:
            m2m = {"prompts", "generators", "model_settings"}
            study_check(Study(**{k: v for k, v in cleaned.items() if k not in m2m}))
            study = self.instance if self.instance.pk else None
            criteria_check(cleaned.get("criteria", []), study=study)
        return cleaned


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    form = StudyForm
    list_display = ["slug", "title", "quota", "gate_pairs", "gate_pass", "opens_at", "closes_at", "links"]
    search_fields = ["slug", "title"]
    filter_horizontal = ["prompts", "generators", "model_settings"]
    readonly_fields = ["prompt_rule", "created_at"]
    fieldsets = [
        (None, {"fields": ["slug", "title", "instructions", "consent"]}),
        ("Pairs", {"fields": ["prompts", "prompt_rule", "generators", "model_settings"]}),
        (
            "Rules",
            {"fields": ["quota", "gold_rate", "repeat_rate", "gate_pairs", "gate_pass", "min_vote_seconds", "reveal"]},
        ),
        ("Questions and results", {"fields": ["criteria", "board_public"]}),
        (
            "When and where to",
            {
                "fields": [
                    "opens_at",
                    "closes_at",
                    "completion_url",
                    "completion_code",
                    "screenout_url",
                    "screenout_code",
                ]
            },
        ),  # fmt: skip
    ]

    @admin.display(description="Links")
    def links(self, study: Study) -> str:
        return format_html(
            '<a href="/study/{0}/">link</a> · <a href="/study/{0}/dashboard/">dashboard</a> · '
            '<a href="/study/{0}/board/">board</a>',
            study.slug,
        )


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["public_id", "study", "platform", "status", "consented_at", "gate_passed_at", "finished_at"]
    list_filter = ["study", "platform", "status"]
    search_fields = ["public_id", "id_hash"]
    readonly_fields = ["public_id", "id_hash", "session_hash", "started_at"]
    raw_id_fields = ["annotator"]
