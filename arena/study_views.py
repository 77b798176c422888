"""A study's pages: the link participants arrive at, consent, the restricted arena and its JSON API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.admin.views.decorators import staff_member_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from arena import agreement_selectors, selectors, study_selectors, study_services
from arena.markup import markdown_html
from arena.models import Participant, ParticipantStatus, Study, criterion_keys
from arena.services import ArenaError, battle_token
from arena.views import _client_ip, _error, _json_body

# A criterion's answers, in the order of the arena's vote bar: (value, text, key).
CHOICES = [("a", "A is better", "A"), ("tie", "Tie", "T"), ("both_bad", "Both are bad", "X"), ("b", "B is better", "B")]


def _notice(
    request: HttpRequest, study: Study | None, title: str, text: str = "", status: int = 403, **extra: Any
) -> HttpResponse:
    context = {"study": study, "title": title, "text": text, **extra}
    return render(request, "arena/study_notice.html", context, status=status)


def _finished(request: HttpRequest, participant: Participant) -> HttpResponse:
    completed = participant.status == ParticipantStatus.COMPLETED
    title = "You have already completed this study" if completed else "You cannot take part in this study again"
    return _notice(
        request,
        participant.study,
        title,
        "Thank you for your time. The study can be taken only once.",
        code=study_services.exit_code(participant),
        exit_url=study_services.exit_url(participant),
        completed=completed,
    )


def _missing(request: HttpRequest) -> HttpResponse:
    text = "There is no study at this address: check the link you were given."
    return _notice(request, None, "No study here", text, 404)


@require_GET
def study_page(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_selectors.study_for_participants(slug)
    if study is None:
        return _missing(request)
    try:
        participant = study_services.participant_enter(study=study, query=request.GET, session=request.session)
    except ArenaError as exc:
        return _notice(request, study, exc.message, status=exc.status)
    if request.GET:  # the platform's ids stay out of the address bar, the history and the Referer
        return redirect("study:page", slug=study.slug)
    if participant.status != ParticipantStatus.STARTED:
        return _finished(request, participant)
    state = study_services.study_state(study)
    if state != "open":
        title = "This study has not opened yet" if state == "not_open" else "This study is closed"
        return _notice(request, study, title, "Thank you for your interest.")
    context = {"study": study, "instructions": markdown_html(study.instructions)}
    if participant.consented_at is None:
        return render(request, "arena/study_consent.html", {**context, "consent": markdown_html(study.consent)})
    progress = study_selectors.progress_payload(participant)
    return render(request, "arena/vote.html", {**context, "progress": progress, "auto_advance_default": False,
                                               "min_vote_seconds": study.min_vote_seconds,
                                               "criteria": study.criteria, "choices": CHOICES})  # fmt: skip


@require_POST
def study_consent(request: HttpRequest, slug: str) -> HttpResponse:
    study = study_selectors.study_for_participants(slug)
    if study is None:
        return _missing(request)
    try:
        participant = study_services.participant_from_session(study=study, session=request.session)
        study_services.participant_consent(participant=participant, accepted=request.POST.get("accept") == "yes")
    except ArenaError as exc:
        if exc.status != 400:
            return _notice(request, study, exc.message, status=exc.status)
        context = {"study": study, "instructions": markdown_html(study.instructions),
                   "consent": markdown_html(study.consent), "error": exc.message}  # fmt: skip
        return render(request, "arena/study_consent.html", context, status=400)
    return redirect("study:page", slug=study.slug)


@require_POST
def study_api_battle(request: HttpRequest, slug: str) -> JsonResponse:
    study = study_selectors.study_for_participants(slug)
    if study is None:
        return JsonResponse({"error": "No such study."}, status=404)
    try:
        participant = study_services.participant_from_session(study=study, session=request.session)
        battle = study_services.study_battle_create(participant=participant, ip=_client_ip(request))
    except ArenaError as exc:
        return _error(exc)
    payload = selectors.battle_payload(battle, token=battle_token(battle=battle))
    return JsonResponse({**payload, "study": study_selectors.progress_payload(participant)})


@require_POST
def study_api_vote(request: HttpRequest, slug: str) -> JsonResponse:
    study = study_selectors.study_for_participants(slug)
    if study is None:
        return JsonResponse({"error": "No such study."}, status=404)
    try:
        body = _json_body(request)
        with transaction.atomic():
            participant = study_services.participant_from_session(study=study, session=request.session, lock=True)
            vote = study_services.study_vote_record(
                participant=participant,
                token=str(body.get("token", "")),
                winner=body.get("winner"),
                answers=body.get("answers"),
                interacted_a=bool(body.get("interacted_a")),
                interacted_b=bool(body.get("interacted_b")),
                ip=_client_ip(request),
            )
    except ArenaError as exc:
        return _error(exc)
    # Which pairs are checks (gold, repeats) stays unsaid.
    result = study_selectors.study_vote_result(vote, reveal=study.reveal, min_seconds=study.min_vote_seconds)
    progress = study_selectors.progress_payload(participant, done=vote.progress)
    return JsonResponse({**result, "duplicate": vote.duplicate, "study": progress})


@staff_member_required
@require_GET
def study_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    study = Study.objects.filter(slug=slug).first()  # staff: as stored now
    if study is None:
        return _missing(request)
    criterion = request.GET.get("criterion") or next(iter(criterion_keys(study)), "")
    try:
        agreement = agreement_selectors.agreement_panel(study=study, criterion=criterion)
    except agreement_selectors.UnknownCriterion as exc:
        raise Http404(str(exc)) from None
    state = {"open": "open", "not_open": "not open yet", "closed": "closed"}[study_services.study_state(study)]
    context = {"study": study, "figures": study_selectors.study_dashboard(study), "state": state,
               "agreement": agreement, "agreement_criteria": study.criteria, "agreement_criterion": criterion,
               "agreement_query": f"?criterion={quote(criterion)}" if criterion else "",
               "criteria": study_selectors.criteria_answers(study)}  # fmt: skip
    return render(request, "arena/study_dashboard.html", context)


@require_GET
@staff_member_required
def study_api_agreement(request: HttpRequest, slug: str) -> JsonResponse:
    study = Study.objects.filter(slug=slug).first()  # staff: as stored now
    if study is None:
        return JsonResponse({"error": "No such study."}, status=404)
    criterion = request.GET.get("criterion") or next(iter(criterion_keys(study)), "")
    try:
        panel = agreement_selectors.agreement_panel(study=study, criterion=criterion)
    except agreement_selectors.UnknownCriterion as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    return JsonResponse({"study": study.slug, "criterion": criterion or None, **panel})


@require_GET
@staff_member_required
def study_api_dashboard(request: HttpRequest, slug: str) -> JsonResponse:
    study = Study.objects.filter(slug=slug).first()  # staff: as stored now
    if study is None:
        return JsonResponse({"error": "No such study."}, status=404)
    return JsonResponse(study_selectors.dashboard_payload(study))
