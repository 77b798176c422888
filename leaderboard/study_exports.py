"""A study's battles for download: the chat arena's clean battles plus study, criterion, side shown first, time
and participant; one row per criterion answer in a study with criteria."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from arena.models import CriterionVote, Study, criterion_keys
from leaderboard import exports
from leaderboard.rating import WINNERS
from leaderboard.selectors import OUTCOME, rated_votes


def study_export_rows(*, study: Study, include_flagged: bool = False) -> Iterator[dict[str, Any]]:
    """The study's rated votes in vote order; `judge` is the participant's id hash (HMAC under the study's salt).

    A study with criteria gives one row per criterion answer (in the study's order of criteria), with the
    criterion's key in `criterion`; a study without has one row per vote and an empty `criterion`.
    """
    votes = rated_votes(include_flagged=include_flagged).filter(study=study).order_by("id")
    fields = ("generator_a__name", "generator_b__name", "winner", "participant__id_hash", "created_at",
              "prompt__slug", "prompt__task", "prompt__category", "flagged", "battle__strategy",
              "seconds_to_vote")  # fmt: skip
    if criterion_keys(study):
        # A vote's answers were stored together, in the study's order of criteria (which cannot change after).
        answers = CriterionVote.objects.filter(vote__in=votes).order_by("vote_id", "id")
        columns = [f"vote__{name}" if name != "winner" else name for name in fields]
        yield from _rows(study, answers.values_list(*columns, "criterion").iterator(chunk_size=10000))
        return
    yield from _rows(study, (row + ("",) for row in votes.values_list(*fields).iterator(chunk_size=10000)))


def _rows(study: Study, rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        name_a, name_b, winner, judge, created, slug, task, category, flagged, strategy, seconds, criterion = row
        yield {
            "model_a": name_a,
            "model_b": name_b,
            "winner": WINNERS[OUTCOME[winner]],
            "judge": judge,
            "anony": True,
            "tstamp": created.timestamp(),
            "prompt": slug,
            "task": task,
            "category": category,
            "flagged": flagged,
            "sampler": strategy,
            "study": study.slug,
            "criterion": criterion,
            "first_shown": "a",  # side A is always the one on the left; the sides are drawn at random per battle
            "seconds_to_vote": round(seconds, 3),
        }


@staff_member_required
@require_GET
def study_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    study = Study.objects.filter(slug=slug).first()
    fmt = request.GET.get("format", "fastchat")
    if study is None or fmt not in exports.FORMATS:
        raise Http404("No such study or format")
    rows = study_export_rows(study=study, include_flagged=request.GET.get("include_flagged") in ("1", "true"))
    response = StreamingHttpResponse(exports.chunks(rows, fmt), content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="study-{study.slug}.{exports.EXTENSIONS[fmt]}"'
    return response
