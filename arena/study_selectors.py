"""Reads of a study: a participant's progress and, for staff, the dashboard's figures."""

from __future__ import annotations

from statistics import median
from typing import Any

from django.db.models import Count

from arena import selectors
from arena.models import CriterionVote, Participant, ParticipantStatus, Study, Vote, Winner
from arena.study_services import exit_code, exit_url, progress

FLAGGED_SHOWN = 50


STUDY_CACHE_SECONDS = 5


def _study_key(slug: str) -> str:
    return f"arena:study:{slug}"


def study_for_participants(slug: str) -> Study | None:
    """The study at `slug` for its participants' requests, cached for a few seconds (None: no such study).

    Each of a participant's requests reads it; saving a study drops this process's (and, with Redis,
    every process's) copy at once (`study_forget`), and other processes' own copies last at most
    STUDY_CACHE_SECONDS.
    """
    cached = selectors.cache_get(_study_key(slug))
    if isinstance(cached, Study):
        return cached
    study = Study.objects.filter(slug=slug).first()
    if study is not None:
        selectors.cache_set(_study_key(slug), study, STUDY_CACHE_SECONDS)
    return study


def study_forget(sender: Any, instance: Study, **kwargs: Any) -> None:
    """A study saved or deleted: its cached copy goes."""
    selectors.cache_delete(_study_key(instance.slug))


def progress_payload(participant: Participant, *, done: int | None = None) -> dict[str, Any]:
    """What the study page shows and does: votes done of the quota, and, once finished, the code and where to go.

    `done` is the progress when it was just counted (after a vote); else it is counted here.
    """
    study = participant.study
    finished = participant.status != ParticipantStatus.STARTED
    return {
        "done": progress(participant) if done is None else done,
        "quota": study.quota,
        "status": participant.status,
        "code": exit_code(participant) if finished else "",
        "next": (exit_url(participant) or f"/study/{study.slug}/") if finished else "",
    }


def study_dashboard(study: Study) -> dict[str, Any]:
    """Participants by status, time per vote, and votes per prompt and per model pair (staff only)."""
    by_status = dict(study.participants.values_list("status").annotate(n=Count("id")))
    votes = Vote.objects.filter(study=study)
    seconds = list(votes.values_list("seconds_to_vote", flat=True))
    per_prompt = votes.values("prompt__slug").annotate(n=Count("id")).order_by("-n", "prompt__slug")
    pairs = (
        votes.filter(is_gold=False)
        .values("generator_a__name", "generator_b__name")
        .annotate(n=Count("id"))
        .order_by("-n", "generator_a__name", "generator_b__name")
    )
    return {
        "started": sum(by_status.values()),
        "consented": study.participants.filter(consented_at__isnull=False).count(),
        "completed": by_status.get(ParticipantStatus.COMPLETED, 0),
        "screened_out": by_status.get(ParticipantStatus.SCREENED_OUT, 0),
        "votes": len(seconds),
        "flagged": votes.filter(flagged=True, is_gold=False, battle__repeat_of__isnull=True).count(),
        "gold": votes.filter(is_gold=True).count(),
        "repeats": votes.filter(battle__repeat_of__isnull=False).count(),
        "flagged_participants": flagged_participants(study),
        "median_seconds": median(seconds) if seconds else None,
        "per_prompt": [(row["prompt__slug"], row["n"]) for row in per_prompt],
        "per_pair": [
            (
                " vs ".join(sorted([row["generator_a__name"] or "reference", row["generator_b__name"] or "reference"])),
                row["n"],
            )
            for row in pairs
        ],
    }


def dashboard_payload(study: Study) -> dict[str, Any]:
    """The dashboard's figures as JSON (the live page refetches them): counts, time per vote, votes per prompt
    and pair, each criterion's answers and the flagged participants. The agreement panel is apart."""
    figures = study_dashboard(study)
    flagged = figures["flagged_participants"]
    keys = ("started", "consented", "completed", "screened_out", "votes", "gold", "repeats", "flagged")
    return {
        "study": study.slug,
        **{key: figures[key] for key in keys},
        "median_seconds": figures["median_seconds"],
        "per_prompt": [{"prompt": slug, "votes": n} for slug, n in figures["per_prompt"]],
        "per_pair": [{"pair": pair, "votes": n} for pair, n in figures["per_pair"]],
        "criteria": [
            {"key": c["key"], "answers": dict(zip(Winner.values, c["answers"], strict=True))}
            for c in criteria_answers(study)
        ],
        "flagged_participants": {
            "count": flagged["count"],
            "rows": [
                {"participant": public_id, "status": status, "reason": reason, "votes": n}
                for public_id, status, reason, n in flagged["rows"]
            ],
        },
    }


def flagged_participants(study: Study) -> dict[str, Any]:
    """Participants whose annotator is flagged (failed gold pairs, the outlier test), with the reason."""
    flagged = study.participants.filter(annotator__flagged=True).annotate(n=Count("votes")).order_by("started_at")
    rows = flagged.values_list("public_id", "status", "annotator__flag_reason", "n")[:FLAGGED_SHOWN]
    return {"count": flagged.count(), "rows": list(rows)}


def study_vote_result(vote: Vote, *, reveal: bool, min_seconds: float) -> dict[str, Any]:
    """What the study page gets after a vote. A gold or repeat pair is answered as a plain pair would be:
    counted unless the vote was too fast or the participant is flagged, with no note of its own."""
    result = selectors.reveal_payload(vote, reveal=reveal)
    if vote.is_gold or vote.battle.repeat_of_id is not None:
        if vote.seconds_to_vote < min_seconds:
            reason = vote.flag_reason
        elif vote.annotator.flagged:
            reason = f"annotator flagged: {vote.annotator.flag_reason}"
        else:
            reason = ""
        result["counted"] = not reason
        result["note"] = f"Kept but not counted: {reason}." if reason else ""
    return result


# -- criteria and the study board ----------------------------------------------


def criteria_answers(study: Study) -> list[dict[str, Any]]:
    """Each criterion with its answers counted (gold pairs left out; flagged votes in): A, B, tie, both bad."""
    rows = (
        CriterionVote.objects.filter(vote__study=study, vote__is_gold=False)
        .values_list("criterion", "winner")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = {}
    for criterion, winner, n in rows:
        counts.setdefault(criterion, {})[winner] = n
    return [
        {**criterion, "answers": [counts.get(criterion["key"], {}).get(w, 0) for w in Winner.values]}
        for criterion in study.criteria
    ]
