"""Writes of a study: participants arriving from a crowd platform, consent, pairs, votes, gate and quota.

See docs/studies.md. A participant's platform id is kept only as an HMAC under the study's salt; every
participant has an annotator of their own, so the arena's rules (pairs never repeated, rate limits, gold
checks) apply to each.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from arena.models import (
    Annotator,
    Battle,
    CriterionVote,
    Generator,
    Participant,
    ParticipantStatus,
    Platform,
    Prompt,
    Setting,
    Study,
    Task,
    Vote,
    Winner,
    criterion_keys,
)
from arena.services import SESSION_KEY, ArenaError, battle_create, vote_write
from arena.signals import emit, participants_changed

# The query parameters each platform appends to the study link: (participant id, study id, session id).
PLATFORM_PARAMETERS = {
    Platform.PROLIFIC: ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID"),
    Platform.MTURK: ("workerId", "hitId", "assignmentId"),
}
# MTurk shows a HIT's preview with this worker id before anyone accepts it.
MTURK_PREVIEW = "ASSIGNMENT_ID_NOT_AVAILABLE"
MAX_ID_LENGTH = 200


def session_key(study: Study) -> str:
    return f"arena_study:{study.slug}"


def id_hash(*, study: Study, text: str) -> str:
    """HMAC-SHA256 of a platform id under the study's secret salt: stable per study, useless elsewhere."""
    return hmac.new(study.salt.encode(), text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Identity:
    platform: str
    participant: str
    study: str = ""
    session: str = ""


def identity_from(query: Mapping[str, str]) -> Identity | None:
    """The platform identity in a study link's query, or None for an anonymous visit."""
    for platform, (pid, study, session) in PLATFORM_PARAMETERS.items():
        value = (query.get(pid) or "").strip()
        if not value:
            continue
        if len(value) > MAX_ID_LENGTH or value == MTURK_PREVIEW:
            raise ArenaError(f"The {pid} parameter of this link is not a participant id.", 400)
        return Identity(platform, value, (query.get(study) or "")[:100], (query.get(session) or "")[:MAX_ID_LENGTH])
    return None


def study_state(study: Study, now: datetime | None = None) -> str:
    """ "open", "not_open" (before `opens_at`) or "closed" (from `closes_at` on)."""
    now = now or timezone.now()
    if study.opens_at and now < study.opens_at:
        return "not_open"
    if study.closes_at and now >= study.closes_at:
        return "closed"
    return "open"


def _check_open(study: Study) -> None:
    state = study_state(study)
    if state == "not_open":
        raise ArenaError("This study has not opened yet.", 403)
    if state == "closed":
        raise ArenaError("This study is closed.", 403)


def participant_enter(*, study: Study, query: Mapping[str, str], session: SessionBase) -> Participant:
    """The participant behind a visit to the study link: found again by platform id or session, else new.

    A returning participant is returned whatever their status (the page says what it means); a new one
    only while the study is open.
    """
    identity = identity_from(query)
    if identity is not None:
        digest = id_hash(study=study, text=f"{identity.platform}:{identity.participant}")
        known = Participant.objects.filter(study=study, id_hash=digest).first()
    else:
        public_id = session.get(session_key(study))
        known = Participant.objects.filter(study=study, public_id=public_id).first() if public_id else None
    if known is None:
        _check_open(study)
        known = _participant_create(study=study, identity=identity)
    if session.get(session_key(study)) != known.public_id:
        session[session_key(study)] = known.public_id
    known.study = study  # the study already read: no second query for it
    return known


def _participant_create(*, study: Study, identity: Identity | None) -> Participant:
    with transaction.atomic():
        annotator = Annotator.objects.create()
        fields: dict[str, Any] = {"study": study, "annotator": annotator, "platform": Platform.ANONYMOUS}
        if identity is None:
            fields["id_hash"] = id_hash(study=study, text=f"anonymous:{annotator.public_id}")
        else:
            fields |= {
                "platform": identity.platform,
                "id_hash": id_hash(study=study, text=f"{identity.platform}:{identity.participant}"),
                "platform_study": identity.study,
                "session_hash": id_hash(study=study, text=identity.session) if identity.session else "",
            }
        participant, created = Participant.objects.get_or_create(
            study=study, id_hash=fields.pop("id_hash"), defaults=fields
        )
        if not created:  # the same id arrived twice at once: the first one stands
            annotator.delete()
        else:
            transaction.on_commit(lambda: emit(participants_changed, study=study.id))
    return participant


def participant_from_session(*, study: Study, session: SessionBase, lock: bool = False) -> Participant:
    """The session's participant in `study`; `lock`: its row locked until the caller's transaction ends."""
    public_id = session.get(session_key(study))
    found = Participant.objects.select_related("annotator").filter(study=study, public_id=public_id)
    if lock:
        found = found.select_for_update(of=("self",))
    participant = found.first() if public_id else None
    if participant is None:
        raise ArenaError("Open the study's link first.", 403)
    participant.study = study  # the study already read: no second query for it on each request
    # The battle files are served to the session's annotator: in a study, the participant's.
    if session.get(SESSION_KEY) != participant.annotator.public_id:
        session[SESSION_KEY] = participant.annotator.public_id
    return participant


def participant_consent(*, participant: Participant, accepted: bool) -> None:
    if not accepted:
        raise ArenaError("Please tick the box to say that you agree, or close this page to leave the study.", 400)
    _check_active(participant, consent=False)
    if participant.consented_at is None:
        participant.consented_at = timezone.now()
        participant.save(update_fields=["consented_at"])
        study_id = participant.study_id
        transaction.on_commit(lambda: emit(participants_changed, study=study_id))


def _check_active(participant: Participant, *, consent: bool = True) -> None:
    """Refuse a participant who is done, has not consented yet, or whose study is not open."""
    if participant.status == ParticipantStatus.COMPLETED:
        raise ArenaError("You have already completed this study.", 403)
    if participant.status == ParticipantStatus.SCREENED_OUT:
        raise ArenaError("You cannot continue this study.", 403)
    _check_open(participant.study)
    if consent and participant.consented_at is None:
        raise ArenaError("Please read and accept the consent first.", 403)


def gate_pending(participant: Participant) -> bool:
    return participant.study.gate_pairs > 0 and participant.gate_passed_at is None


def study_battle_create(*, participant: Participant, ip: str | None = None, rng: random.Random | None = None) -> Battle:
    """A pair for a participant: a gold pair while the gate is pending; then gold pairs and repeats at the
    study's rates (one draw: a share `gold_rate` gold, the next `repeat_rate` repeats), else a fresh pair."""
    _check_active(participant)
    study = participant.study
    rng = rng or random.SystemRandom()
    gold = required = repeat = False
    if gate_pending(participant):
        gold = required = True
    elif study.gold_rate > 0 or study.repeat_rate > 0:
        draw = rng.random()
        gold = draw < study.gold_rate
        repeat = not gold and draw < study.gold_rate + study.repeat_rate
    return battle_create(
        annotator=participant.annotator,
        ip=ip,
        rng=rng,
        study=study,
        participant=participant,
        gold=gold,
        gold_required=required,
        repeat_of=repeat_original(participant=participant, rng=rng) if repeat else None,
    )


# A repeat comes later: never one of the participant's last REPEAT_GAP pairs again.
REPEAT_GAP = 2


def repeat_original(*, participant: Participant, rng: random.Random) -> Battle | None:
    """An earlier pair of this participant to show again, sides swapped: voted in time, not gold, not a repeat,
    not repeated yet, not among their last REPEAT_GAP pairs. None when there is none (a fresh pair is served)."""
    recent = list(participant.battles.order_by("-id").values_list("id", flat=True)[:REPEAT_GAP])
    candidates = list(
        Battle.objects.filter(
            participant=participant,
            is_gold=False,
            repeat_of__isnull=True,
            repeat__isnull=True,
            vote__flagged=False,
        )
        .exclude(id__in=recent)
        .order_by("id")
    )
    return rng.choice(candidates) if candidates else None


def study_answers(*, study: Study, winner: Any = None, answers: Any = None) -> dict[str, str]:
    """The answers of one screen, checked against the study's question(s): {criterion key: winner}.

    A study without criteria takes `winner` (returned under the key ""); one with criteria takes
    `answers`, an object with exactly one answer per criterion. Anything else is refused with an error
    naming the criterion and the bad value, before anything is written.
    """
    keys = criterion_keys(study)
    expected = ", ".join(Winner.values)
    if not keys:
        if answers is not None:
            raise ArenaError("This study asks one question: send `winner`, not `answers`.")
        if winner is None:
            raise ArenaError(f"Missing `winner`: expected one of {expected}.")
        if winner not in Winner.values:
            raise ArenaError(f"Unknown choice {winner!r}: expected one of {expected}.")
        return {"": str(winner)}
    if winner is not None:
        raise ArenaError(f"This study asks {len(keys)} questions: send `answers` ({', '.join(keys)}), not `winner`.")
    if not isinstance(answers, dict):
        raise ArenaError(f"`answers` must be an object with an answer for each criterion: {', '.join(keys)}.")
    unknown = [key for key in answers if key not in keys]
    if unknown:
        raise ArenaError(f"Unknown criterion {unknown[0]!r}: this study asks for {', '.join(keys)}.")
    labels = {criterion["key"]: criterion["label"] for criterion in study.criteria}
    for key in keys:
        if key not in answers:
            raise ArenaError(f"Missing answer for the criterion {key!r} ({labels[key]}).")
        if answers[key] not in Winner.values:
            raise ArenaError(f"Criterion {key!r}: unknown answer {answers[key]!r}; expected one of {expected}.")
    return {key: str(answers[key]) for key in keys}


def study_vote_record(
    *,
    participant: Participant,
    token: str,
    winner: Any = None,
    answers: Any = None,
    interacted_a: bool = False,
    interacted_b: bool = False,
    ip: str | None = None,
) -> Vote:
    """Record a participant's vote, then settle the gate and the quota, in the caller's transaction.

    `participant` must be locked by that transaction (`participant_from_session(lock=True)`): two votes
    of one participant at once are settled one after the other, the second seeing the first's progress.

    With criteria, every answer is stored (`CriterionVote`) in the vote's transaction, the vote's own
    `winner` being the first criterion's: all of them or nothing. A retry with the same answers is
    answered again; with other answers it is refused (409). `vote.progress` is the participant's
    progress once the vote is in, when it was counted (else None).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("study_vote_record runs in the transaction that locked the participant")
    study = participant.study
    checked = study_answers(study=study, winner=winner, answers=answers)
    main = next(iter(checked.values()))
    _check_active(participant)
    vote = vote_write(
        token=token,
        annotator=participant.annotator,
        winner=main,
        interacted_a=interacted_a,
        interacted_b=interacted_b,
        ip=ip,
        study=study,
        min_seconds=study.min_vote_seconds,
    )
    if "" not in checked:
        _answers_store(vote, checked)
    # The progress the quota was settled with, counted under the lock: the answer shows it (None: not counted).
    vote.progress = None if vote.duplicate else _progress_settle(participant)
    return vote


def _answers_store(vote: Vote, answers: dict[str, str]) -> None:
    if not vote.duplicate:
        CriterionVote.objects.bulk_create(CriterionVote(vote=vote, criterion=k, winner=w) for k, w in answers.items())
        return
    if dict(vote.answers.values_list("criterion", "winner")) != answers:
        raise ArenaError("This pair has already been voted on.", 409)


def progress(participant: Participant) -> int:
    """Pairs answered in time: what the quota counts (votes under the minimum time are kept, not counted)."""
    minimum = participant.study.min_vote_seconds
    return participant.votes.filter(seconds_to_vote__gte=minimum).count()


def _progress_settle(participant: Participant) -> int | None:
    """Settle the gate and the quota after a vote; the progress counted for the quota (None: not counted)."""
    study, now = participant.study, timezone.now()
    done = None
    changed = []
    if gate_pending(participant):
        answers = list(participant.votes.filter(is_gold=True).values_list("winner", "battle__gold_answer"))
        right = sum(w == a for w, a in answers)
        if len(answers) - right > study.gate_pairs - study.gate_pass:  # k right answers are out of reach
            participant.status, participant.finished_at = ParticipantStatus.SCREENED_OUT, now
            changed += ["status", "finished_at"]
        elif len(answers) >= study.gate_pairs:
            participant.gate_passed_at = now
            changed.append("gate_passed_at")
    if participant.status == ParticipantStatus.STARTED:
        done = progress(participant)
        if done >= study.quota:
            participant.status, participant.finished_at = ParticipantStatus.COMPLETED, now
            changed += ["status", "finished_at"]
    if changed:
        participant.save(update_fields=changed)
    return done


def exit_url(participant: Participant) -> str:
    """Where a finished participant goes: the study's URL for their outcome, with {code} filled in."""
    study = participant.study
    if participant.status == ParticipantStatus.COMPLETED:
        url, code = study.completion_url, study.completion_code
    elif participant.status == ParticipantStatus.SCREENED_OUT:
        url, code = study.screenout_url, study.screenout_code
    else:
        return ""
    return url.replace("{code}", quote(code, safe=""))


def exit_code(participant: Participant) -> str:
    study = participant.study
    if participant.status == ParticipantStatus.COMPLETED:
        return study.completion_code
    if participant.status == ParticipantStatus.SCREENED_OUT:
        return study.screenout_code
    return ""


# -- creating a study ----------------------------------------------------------


def study_check(study: Study) -> None:
    """Refuse a study whose numbers or links contradict each other; errors are keyed by field."""
    errors: dict[str, str] = {}
    if study.quota is not None and study.quota < 1:
        errors["quota"] = "must be at least 1"
    if study.gate_pass > study.gate_pairs:
        errors["gate_pass"] = f"is {study.gate_pass}, more than the {study.gate_pairs} gate pairs"
    if study.quota is not None and study.gate_pairs > study.quota:
        errors["gate_pairs"] = f"is {study.gate_pairs}, more than the quota of {study.quota}"
    if not 0 <= study.gold_rate <= 1:
        errors["gold_rate"] = f"is {study.gold_rate}, not a share between 0 and 1"
    if not 0 <= study.repeat_rate <= 1:
        errors["repeat_rate"] = f"is {study.repeat_rate}, not a share between 0 and 1"
    elif 0 <= study.gold_rate <= 1 and study.gold_rate + study.repeat_rate > 1:
        errors["repeat_rate"] = f"is {study.repeat_rate}: with the gold rate {study.gold_rate} that is more than 1"
    if study.min_vote_seconds < 0:
        errors["min_vote_seconds"] = "must not be negative"
    if study.opens_at and study.closes_at and study.closes_at <= study.opens_at:
        errors["closes_at"] = "must be after the opening time"
    if not study.completion_code and not study.completion_url:
        errors["completion_code"] = "a completion code or URL is needed: participants must be able to prove it"
    if study.gate_pairs and not study.screenout_code and not study.screenout_url:
        errors["screenout_code"] = "a screen-out code or URL is needed when there is a gate"
    for field, code in (("completion_url", study.completion_code), ("screenout_url", study.screenout_code)):
        given = parse_qs(urlsplit(getattr(study, field)).query).get("cc")
        if given and code and given[0] != code and given[0] != "{code}":
            errors[field] = f"carries cc={given[0]}, not the code {code!r}"
    if errors:
        raise ValidationError(errors)


MAX_CRITERIA = 4
CRITERION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def criteria_parse(text: str) -> list[dict[str, str]]:
    """Criteria from `key:Label` or `key:Label:help` items separated by commas (empty text: none); unchecked."""
    criteria = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            key, _, rest = item.partition(":")
            label, _, help_text = rest.partition(":")
            criteria.append({"key": key.strip(), "label": label.strip(), "help": help_text.strip()})
    return criteria


def criteria_help(criteria: list[dict[str, str]], helps: Mapping[str, str]) -> list[dict[str, str]]:
    """The criteria with help texts set by key (texts with commas cannot go in `criteria_parse`'s items)."""
    keys = [criterion["key"] for criterion in criteria]
    for key, help_text in helps.items():
        if key not in keys:
            raise ValidationError({"criteria": f"a help text for {key!r}, which is not one of the criteria"})
        criteria[keys.index(key)]["help"] = help_text.strip()
    return criteria


def criteria_check(criteria: Any, *, study: Study | None = None) -> None:
    """Refuse criteria that are not one to four {key, label, help} with distinct keys, or (for a study
    with votes) whose keys differ from the ones its votes answered; the error is keyed `criteria`."""

    def refuse(message: str) -> None:
        raise ValidationError({"criteria": message})

    if not isinstance(criteria, list):
        refuse("must be a list of {key, label, help}")
    if len(criteria) > MAX_CRITERIA:
        refuse(f"{len(criteria)} criteria, more than {MAX_CRITERIA}")
    seen: set[str] = set()
    for n, criterion in enumerate(criteria, 1):
        if not isinstance(criterion, dict) or set(criterion) - {"key", "label", "help"}:
            refuse(f"criterion {n} must be an object with a key, a label and a help text")
        key, label = criterion.get("key"), criterion.get("label")
        if not isinstance(key, str) or not CRITERION_KEY.match(key):
            refuse(f"criterion {n}: key {key!r} must be lower-case letters, digits or _ (a letter first, up to 32)")
        if key in seen:
            refuse(f"criterion {n}: the key {key!r} is used twice")
        seen.add(key)
        if not isinstance(label, str) or not label.strip() or len(label) > 100:
            refuse(f"criterion {key!r}: the label must be some text (up to 100 characters)")
        if not isinstance(criterion.get("help", ""), str) or len(criterion.get("help", "")) > 300:
            refuse(f"criterion {key!r}: the help text must be text of up to 300 characters")
    if study is not None and study.pk is not None:
        before = criterion_keys(Study.objects.get(pk=study.pk))
        if [c["key"] for c in criteria] != before and study.votes.exists():
            refuse(f"the study has votes on {', '.join(before) or 'its single question'}: its criteria keys and "
                   "their order cannot change any more (labels and help texts can)")  # fmt: skip


@dataclass
class PromptRule:
    task: str = ""
    family: str = ""
    category: str = ""
    slugs: tuple[str, ...] = ()


def study_prompts(rule: PromptRule) -> list[Prompt]:
    """The prompts a rule chooses: an explicit list, or every prompt of a task, family and/or category."""
    if rule.task and rule.task not in Task.values:
        raise ArenaError(f"task: unknown task {rule.task!r}; expected one of {', '.join(Task.values)}")
    if rule.slugs:
        found = {p.slug: p for p in Prompt.objects.filter(slug__in=rule.slugs)}
        missing = [slug for slug in rule.slugs if slug not in found]
        if missing:
            raise ArenaError(f"prompts: no prompt {', '.join(map(repr, missing))}")
        chosen = [found[slug] for slug in rule.slugs]
    else:
        chosen = list(Prompt.objects.all())
    filters = {"task": rule.task, "family": rule.family, "category": rule.category}
    chosen = [p for p in chosen if all(not v or getattr(p, k) == v for k, v in filters.items())]
    if not chosen:
        raise ArenaError("prompts: no prompt matches the task, family, category and list given")
    return chosen


def _named(model: type[Generator] | type[Setting], names: list[str], label: str) -> list[Any]:
    found = {o.name: o for o in model.objects.filter(name__in=names)}
    missing = [name for name in names if name not in found]
    if missing:
        raise ArenaError(f"{label}: no {label.rstrip('s')} named {', '.join(map(repr, missing))}")
    return [found[name] for name in names]


def study_save(
    *,
    slug: str,
    values: dict[str, Any],
    rule: PromptRule | None = None,
    models: list[str] | None = None,
    settings: list[str] | None = None,
) -> tuple[Study, bool]:
    """Create or update a study whole, or change nothing (a bad value raises, naming it).

    `rule`, `models` and `settings` replace the study's prompts, models and settings when given.
    """
    with transaction.atomic():
        study = Study.objects.filter(slug=slug).first()
        created = study is None
        study = study or Study(slug=slug)
        for key, value in values.items():
            setattr(study, key, value)
        prompts = study_prompts(rule) if rule is not None else None
        if created and prompts is None:
            raise ArenaError("prompts: a new study needs prompts (a task, family, category or list)")
        generators = _named(Generator, models, "models") if models is not None else None
        chosen_settings = _named(Setting, settings, "settings") if settings is not None else None
        study.full_clean(exclude=["prompts", "generators", "model_settings"], validate_constraints=False)
        study_check(study)
        if "criteria" in values:
            criteria_check(study.criteria, study=study)
        study.save()
        if prompts is not None and rule is not None:
            study.prompts.set(prompts)
            study.prompt_rule = {"task": rule.task, "family": rule.family, "category": rule.category,
                                 "prompts": list(rule.slugs)}  # fmt: skip
            study.save(update_fields=["prompt_rule"])
        if generators is not None:
            study.generators.set(generators)
        if chosen_settings is not None:
            study.model_settings.set(chosen_settings)
    return study, created
