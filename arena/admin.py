from __future__ import annotations

from django.contrib import admin

from arena.models import Annotator, Asset, Battle, Generator, Prompt, Vote
from arena.signals import emit, renders_requested


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
    list_display = ["public_id", "prompt", "strategy", "is_gold", "annotator", "created_at", "revealed_at"]
    list_filter = ["strategy", "is_gold"]
    raw_id_fields = ["asset_a", "asset_b", "annotator", "prompt"]


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
