"""Writes of the arena: importing runs, and (below) battles and votes."""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.files import File
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from arena.importers import (
    AttemptRecord,
    BadRecord,
    GeneratorRecord,
    OutputRecord,
    PromptRecord,
    Record,
    RecordError,
    RecordWarning,
    SettingRecord,
    read_families,
    read_records,
)
from arena.models import (
    ASSET_LONG_FIELDS,
    Annotator,
    Asset,
    Battle,
    GenerationAttempt,
    Generator,
    Participant,
    Prompt,
    Setting,
    Status,
    Study,
    Vote,
    Winner,
)
from arena.signals import emit, votes_changed

SESSION_KEY = "arena_annotator"
TOKEN_SALT = "arena.battle"
# The flag of a vote on a repeat pair: kept for the consistency figure, left out of every board (each
# judgement of a pair by one person counts once, at its first showing).
REPEAT_REASON = "repeat pair"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordWarning] = field(default_factory=list)
    new_assets: list[int] = field(default_factory=list)
    unmapped: set[str] = field(default_factory=set)  # release categories with no family

    @property
    def ok(self) -> bool:
        return not self.errors


def _changes_save(instance: Generator | Setting | Prompt, changes: dict[str, Any]) -> str:
    """Set and save only the changed fields; "updated", or "unchanged" when there are none."""
    if not changes:
        return "unchanged"
    for key, value in changes.items():
        setattr(instance, key, value)
    instance.save(update_fields=list(changes))
    return "updated"


def generator_upsert(*, record: GeneratorRecord) -> tuple[Generator, str]:
    values = {"provider": record.provider, "version": record.version, "metadata": record.metadata}
    generator, created = Generator.objects.get_or_create(name=record.name, defaults=values)
    if created:
        return generator, "created"
    # The benchmark layout knows only names: never wipe richer metadata with blanks.
    changes = {k: v for k, v in values.items() if v and getattr(generator, k) != v}
    return generator, _changes_save(generator, changes)


def setting_upsert(*, record: SettingRecord) -> tuple[Setting, str]:
    """A run folder's setting, and the model it belongs to."""
    generator, _ = Generator.objects.get_or_create(name=record.generator)
    values = {"generator": generator, "task": record.task, "values": record.values, "label": record.label}
    setting, created = Setting.objects.get_or_create(name=record.name, defaults=values)
    if created:
        return setting, "created"
    changes = {k: v for k, v in values.items() if getattr(setting, k) != v}
    return setting, _changes_save(setting, changes)


def prompt_upsert(*, record: PromptRecord) -> tuple[Prompt, str, int | None]:
    values = {
        "task": record.task,
        "category": record.category,
        "family": record.family,
        "instance": record.instance,
        "text": record.text,
        "instruction": record.instruction,
    }
    prompt, created = Prompt.objects.get_or_create(slug=record.slug, defaults=values)
    changes = {k: v for k, v in values.items() if getattr(prompt, k) != v}
    outcome = "created" if created else _changes_save(prompt, changes)
    if record.reference_image and _image_changed(prompt, record.reference_image):
        with record.reference_image.open("rb") as handle:
            prompt.reference_image.save(f"{prompt.public_id}{record.reference_image.suffix.lower()}", File(handle))
        outcome = "created" if created else "updated"
    if record.reference_images and _views_changed(prompt, record.reference_images):
        _views_store(prompt, record.reference_images)
        outcome = "created" if created else "updated"
    asset_id = None
    if record.reference_code or record.reference_mesh:
        asset, asset_outcome = asset_upsert(
            prompt=prompt, generator=None, code=record.reference_code, mesh=record.reference_mesh
        )
        asset_id = asset.id if asset_outcome != "unchanged" and asset.status == Status.PENDING else None
        if asset_outcome != "unchanged" and outcome == "unchanged":
            outcome = "updated"
    return prompt, outcome, asset_id


def _views_changed(prompt: Prompt, paths: list[Path]) -> bool:
    names = prompt.reference_images or []
    if [Path(n).name for n in names] != [p.name for p in paths]:
        return True
    return any(_stored_differs(name, path) for name, path in zip(names, paths, strict=True))


def _views_store(prompt: Prompt, paths: list[Path]) -> None:
    """Every reference view under the prompt's opaque id, in order; the first is also `reference_image`."""
    from django.core.files.storage import default_storage

    names = []
    for path in paths:
        name = f"prompts/{prompt.public_id}/{path.name}"
        if default_storage.exists(name):
            default_storage.delete(name)
        with path.open("rb") as handle:
            names.append(default_storage.save(name, File(handle)))
    prompt.reference_images = names
    prompt.reference_image.name = names[0]
    prompt.save(update_fields=["reference_images", "reference_image"])


def _stored_differs(name: str, path: Path) -> bool:
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(name, "rb") as stored:
            return hashlib.sha256(stored.read()).hexdigest() != sha256_file(path)
    except FileNotFoundError:
        return True


def _image_changed(prompt: Prompt, path: Path) -> bool:
    if not prompt.reference_image:
        return True
    try:
        with prompt.reference_image.open("rb") as stored:
            return hashlib.sha256(stored.read()).hexdigest() != sha256_file(path)
    except FileNotFoundError:
        return True


def asset_upsert(
    *,
    prompt: Prompt,
    generator: Generator | None,
    code: str,
    mesh: Path | None,
    setting: Setting | None = None,
    run_log: dict[str, Any] | None = None,
    attempts: list[AttemptRecord] | None = None,
    stored: tuple[Asset | None] | None = None,
) -> tuple[Asset, str]:
    """Store a script or mesh (and what its run recorded); a changed source resets the asset for rendering.

    `stored`, when given, holds the asset already read for this prompt and setting (or None): no query then.
    """
    digest = sha256_text(code) if code else sha256_file(mesh) if mesh else ""
    if setting is not None:
        lookup: dict[str, Any] = {"prompt": prompt, "setting": setting}
    else:
        lookup = {"prompt": prompt, "is_reference": generator is None, "generator": generator, "setting": None}
    asset = stored[0] if stored is not None else Asset.objects.filter(**lookup).first()
    run_log = run_log or {}
    wanted = [_attempt_tuple(a) for a in attempts or []]
    if asset is not None and asset.source_sha256 == digest:
        changed = asset.run_log != run_log or asset.generator_id != (generator.id if generator else None)
        before = [_attempt_tuple(a) for a in asset.generation_attempts.all()] if attempts is not None else wanted
        if not changed and before == wanted:
            return asset, "unchanged"
        asset.run_log, asset.generator = run_log, generator
        asset.save(update_fields=["run_log", "generator"])
        if before != wanted:
            _attempts_store(asset, attempts or [])
        return asset, "updated"
    outcome = "updated" if asset else "created"
    asset = asset or Asset(**lookup)
    asset.generator = generator
    asset.run_log = run_log
    asset.source_code = code
    asset.source_sha256 = digest
    asset.status = Status.PENDING
    asset.error = asset.traceback = asset.log = ""
    if mesh is not None:
        with mesh.open("rb") as handle:
            asset.source_mesh.save(f"{asset.public_id}{mesh.suffix.lower()}", File(handle), save=False)
    else:
        asset.source_mesh.name = ""
    asset.save()
    if attempts is not None:
        _attempts_store(asset, attempts, fresh=outcome == "created")
    return asset, outcome


def _attempt_tuple(attempt: AttemptRecord | GenerationAttempt) -> tuple[Any, ...]:
    return (attempt.number, attempt.code, attempt.status, attempt.error, attempt.n_meshes, attempt.thinking)


def _attempts_store(asset: Asset, attempts: list[AttemptRecord], *, fresh: bool = False) -> None:
    if not fresh:
        GenerationAttempt.objects.filter(asset=asset).delete()
    GenerationAttempt.objects.bulk_create(
        GenerationAttempt(
            asset=asset,
            number=a.number,
            code=a.code,
            status=a.status,
            error=a.error,
            n_meshes=a.n_meshes,
            thinking=a.thinking,
        )
        for a in attempts
    )


@dataclass
class ImportCache:
    """What an import run has read already, so a release's outputs need no lookups one by one.

    Filled from the database in bulk (all assets of a run folder, with their attempts, at once) and
    updated only with what a record stored successfully.
    """

    prompts: dict[str, Prompt] = field(default_factory=dict)
    settings: dict[str, Setting] = field(default_factory=dict)
    assets: dict[int, dict[int, Asset]] = field(default_factory=dict)  # setting id -> prompt id -> asset

    def prompt(self, slug: str) -> Prompt | None:
        if slug not in self.prompts:
            if not self.prompts:
                self.prompts.update({p.slug: p for p in Prompt.objects.all()})
            found = self.prompts.get(slug) or Prompt.objects.filter(slug=slug).first()
            if found is None:
                return None
            self.prompts[slug] = found
        return self.prompts[slug]

    def setting(self, name: str) -> Setting | None:
        if name not in self.settings:
            found = Setting.objects.select_related("generator").filter(name=name).first()
            if found is None:
                return None
            self.settings[name] = found
        return self.settings[name]

    def asset(self, setting: Setting, prompt: Prompt) -> tuple[Asset | None]:
        if setting.id not in self.assets:
            stored = Asset.objects.filter(setting=setting).prefetch_related("generation_attempts")
            self.assets[setting.id] = {a.prompt_id: a for a in stored}
        return (self.assets[setting.id].get(prompt.id),)


def output_import(*, record: OutputRecord, cache: ImportCache | None = None) -> tuple[Asset, str]:
    cache = cache or ImportCache()
    prompt = cache.prompt(record.prompt) if record.release else Prompt.objects.filter(slug=record.prompt).first()
    if prompt is None:
        raise BadRecord(f"unknown prompt {record.prompt!r} (not in prompts.jsonl nor already imported)")
    if record.release is None:
        generator, _ = Generator.objects.get_or_create(name=record.generator)
        return asset_upsert(prompt=prompt, generator=generator, code=record.code, mesh=record.mesh)
    setting = cache.setting(record.release.setting)
    if setting is None:
        raise BadRecord(f"the run {record.release.setting!r} was not imported")
    return asset_upsert(
        stored=cache.asset(setting, prompt),
        prompt=prompt,
        generator=setting.generator,
        code=record.code,
        mesh=None,
        setting=setting,
        run_log=record.release.run_log,
        attempts=record.release.attempts,
    )


def record_import(*, record: Record, report: ImportReport, cache: ImportCache | None = None) -> None:
    """Store one record whole, or nothing of it (its own transaction, or savepoint within a batch)."""
    if isinstance(record, RecordError):
        report.errors.append(record)
        return
    if isinstance(record, RecordWarning):
        report.warnings.append(record)
        return
    try:
        with transaction.atomic():
            asset_id = None
            if isinstance(record, GeneratorRecord):
                _, outcome = generator_upsert(record=record)
            elif isinstance(record, SettingRecord):
                _, outcome = setting_upsert(record=record)
            elif isinstance(record, PromptRecord):
                _, outcome, asset_id = prompt_upsert(record=record)
                if record.instance and not record.family:
                    report.unmapped.add(record.category)
            else:
                asset, outcome = output_import(record=record, cache=cache)
                # Only a new or changed source goes to the renderer, not a changed run record.
                asset_id = asset.id if outcome != "unchanged" and asset.status == Status.PENDING else None
    except BadRecord as exc:
        report.errors.append(RecordError(record.where, str(exc)))
        return
    except (OSError, DatabaseError) as exc:
        # Storage or database trouble with this record: it is rolled back, the run goes on.
        report.errors.append(RecordError(record.where, f"could not be stored ({type(exc).__name__}: {exc})"))
        return
    setattr(report, outcome, getattr(report, outcome) + 1)
    if cache is not None and isinstance(record, OutputRecord) and record.release and asset.setting_id:
        cache.assets.setdefault(asset.setting_id, {})[asset.prompt_id] = asset
    if asset_id is not None:
        report.new_assets.append(asset_id)


IMPORT_BATCH = 200
SHIPPED_FAMILIES = Path(__file__).resolve().parent / "data" / "families.json"


def family_mapping(*, root: Path, override: Path | None = None) -> dict[str, str]:
    """Category → family: the shipped mapping, then the release's families.csv/.json, then the operator's file."""
    mapping = read_families(SHIPPED_FAMILIES)
    for name in ("families.json", "families.csv"):
        if (root / name).is_file():
            mapping |= read_families(root / name)
    if override is not None:
        mapping |= read_families(override)
    return mapping


def run_import(
    *,
    path: Path,
    on_record: Callable[[Record], None] | None = None,
    families: Path | None = None,
) -> ImportReport:
    """Import a run folder (manifest or benchmark layout); see docs/import-format.md.

    `families` is an operator's category → family file, over the release's own families.csv/.json
    and the shipped mapping (arena/data/families.json).
    """
    report = ImportReport()
    cache = ImportCache()
    records: Iterator[Record] = iter(read_records(path, family_mapping(root=path.resolve(), override=families)))
    # Records are committed a batch at a time, each inside its own savepoint: a refused record leaves
    # nothing behind, and the disk syncs once per batch rather than once per record.
    while True:
        batch = list(itertools.islice(records, IMPORT_BATCH))
        if not batch:
            return report
        with transaction.atomic():
            for record in batch:
                record_import(record=record, report=report, cache=cache)
                if on_record:
                    on_record(record)


# -- battles and votes -------------------------------------------------------


class ArenaError(Exception):
    """A refused request, with the message and HTTP status to show."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def annotator_for(*, session: SessionBase, user: Any) -> Annotator:
    """The annotator behind a request: the signed-in user's, else the session's."""
    if user is not None and user.is_authenticated:
        annotator, _ = Annotator.objects.get_or_create(user=user)
        session[SESSION_KEY] = annotator.public_id
        return annotator
    public_id = session.get(SESSION_KEY)
    known = Annotator.objects.filter(public_id=public_id).first() if public_id else None
    if known is not None:
        return known
    fresh = Annotator.objects.create()
    session[SESSION_KEY] = fresh.public_id
    return fresh


def _recent_counts(*, annotator: Annotator, ip: str | None, moment: str) -> tuple[int, int]:
    """Battles whose `moment` (created_at, revealed_at) fell in the last hour: this annotator's, and
    from this network (`ip`; None: not counted), in one query that the (ip_address, moment) indexes serve."""
    recent = Battle.objects.filter(**{f"{moment}__gte": timezone.now() - timedelta(hours=1)})
    mine = Q(annotator=annotator)
    if ip is None:
        return recent.filter(mine).count(), 0
    network = Q(ip_address=ip)
    counts = recent.filter(mine | network).aggregate(mine=Count("id", filter=mine), network=Count("id", filter=network))
    return counts["mine"], counts["network"]


def _check_rate(*, annotator: Annotator, ip: str | None) -> None:
    mine, from_network = _recent_counts(annotator=annotator, ip=ip or None, moment="created_at")
    # Battles are cheap to ask for but not free: allow a few skips per vote.
    if mine >= 3 * settings.ARENA_VOTES_PER_HOUR:
        raise ArenaError("Too many pairs requested in the last hour: please slow down.", 429)
    if ip and from_network >= 3 * settings.ARENA_VOTES_PER_HOUR_PER_IP:
        raise ArenaError("Too many pairs requested from this network in the last hour.", 429)


def battle_create(
    *,
    annotator: Annotator,
    ip: str | None = None,
    rng: random.Random | None = None,
    study: Study | None = None,
    participant: Participant | None = None,
    gold: bool | None = None,
    gold_required: bool = False,
    repeat_of: Battle | None = None,
) -> Battle:
    """Choose a pair for this annotator, store the battle, randomise the sides.

    Within a `study`, pairs come from its prompts and models only. `gold` asks for a gold pair (True) or a
    plain one (False), None draws gold pairs at ARENA_GOLD_RATE; a gold pair asked for falls back to a
    plain one when none is left, unless it is `gold_required` (a study's gate). `repeat_of` serves that
    battle's two assets again with the sides swapped (a fresh pair if it was repeated meanwhile).
    """
    from arena import selectors

    # A study admits its participants itself (platform, consent, quota), often many from one network (a lab, a
    # classroom): only each participant's own pair limit applies there.
    _check_rate(annotator=annotator, ip=None if study else ip)
    if repeat_of is not None:
        repeat = _repeat_create(original=repeat_of, annotator=annotator, ip=ip, study=study, participant=participant)
        if repeat is not None:
            return repeat
    rng = rng or random.SystemRandom()
    if gold is None:
        gold = settings.ARENA_GOLD_RATE > 0 and rng.random() < settings.ARENA_GOLD_RATE
    choice = selectors.gold_choice(annotator=annotator, rng=rng, study=study) if gold else None
    if choice is None and gold_required:
        raise ArenaError("The check pairs with a known answer are not ready: please contact the researchers.", 503)
    if choice is None:
        choice = selectors.pair_choice(annotator=annotator, strategy=settings.ARENA_SAMPLER, rng=rng, study=study)
    if choice is None:
        raise ArenaError("No pairs are ready yet: assets are still rendering, or you have seen them all.", 503)
    first, second = choice.assets
    if rng.random() < 0.5:
        first, second = second, first
    answer = ""
    if choice.gold_answer:
        answer = "a" if first.is_reference else "b"
    return Battle.objects.create(
        prompt=first.prompt,
        asset_a=first,
        asset_b=second,
        annotator=annotator,
        strategy=choice.strategy,
        is_gold=bool(choice.gold_answer),
        gold_answer=answer,
        ip_address=ip,
        study=study,
        participant=participant,
    )


def _repeat_create(
    *, original: Battle, annotator: Annotator, ip: str | None, study: Study | None, participant: Participant | None
) -> Battle | None:
    """The original's assets with the sides swapped; None if a concurrent request repeated it first."""
    try:
        with transaction.atomic():
            return Battle.objects.create(
                prompt_id=original.prompt_id,
                asset_a_id=original.asset_b_id,
                asset_b_id=original.asset_a_id,
                annotator=annotator,
                strategy="repeat",
                ip_address=ip,
                study=study,
                participant=participant,
                repeat_of=original,
            )
    except IntegrityError:  # one repeat per battle (a one-to-one column)
        return None


def battle_token(*, battle: Battle) -> str:
    data: dict[str, Any] = {"b": battle.public_id, "n": battle.annotator.public_id}
    if battle.study_id is not None:
        data["s"] = battle.study_id
    return signing.dumps(data, salt=TOKEN_SALT, compress=True)


def battle_id_from_token(*, token: str, annotator: Annotator, study: Study | None = None) -> str:
    """The public id of the battle a token was issued for, if it is valid, this annotator's and this study's."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.ARENA_BATTLE_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise ArenaError("This pair has expired: please vote on a new one.", 410) from None
    except signing.BadSignature:
        raise ArenaError("This battle token is not valid.", 400) from None
    if not isinstance(data, dict):
        raise ArenaError("This battle token is not valid.", 400)
    if data.get("s") != (study.id if study else None):
        if study is None:
            raise ArenaError("This pair belongs to a study: vote on the study's page.", 403)
        raise ArenaError("This pair does not belong to this study.", 403)
    if data.get("n") != annotator.public_id:
        raise ArenaError("This pair was served to someone else.", 403)
    return str(data.get("b"))


def _check_vote_rate(*, annotator: Annotator, ip: str | None) -> None:
    # A battle is revealed by its vote, in the vote's transaction, and only to the battle's annotator:
    # the battles revealed in the last hour are the votes of that hour.
    mine, from_network = _recent_counts(annotator=annotator, ip=ip or None, moment="revealed_at")
    if mine >= settings.ARENA_VOTES_PER_HOUR:
        raise ArenaError("You have reached the hourly vote limit: thank you, please come back later.", 429)
    if ip and from_network >= settings.ARENA_VOTES_PER_HOUR_PER_IP:
        raise ArenaError("Too many votes from this network in the last hour.", 429)


def vote_record(
    *,
    token: str,
    annotator: Annotator,
    winner: str,
    interacted_a: bool = False,
    interacted_b: bool = False,
    ip: str | None = None,
    study: Study | None = None,
    min_seconds: float | None = None,
) -> Vote:
    """Record the one vote a battle takes; refuse anything else with a clear message.

    A study's battles take votes only through the study (`study`), with its minimum time (`min_seconds`,
    else ARENA_MIN_VOTE_SECONDS).

    A retry of the vote already taken (same annotator, battle and choice, e.g. after
    the answer was lost to a restart) returns the stored vote with `duplicate` set
    and counts nothing again; a different choice on a voted battle is refused (409).
    """
    with transaction.atomic():
        return vote_write(token=token, annotator=annotator, winner=winner, interacted_a=interacted_a,
                          interacted_b=interacted_b, ip=ip, study=study, min_seconds=min_seconds)  # fmt: skip


def vote_write(
    *,
    token: str,
    annotator: Annotator,
    winner: str,
    interacted_a: bool = False,
    interacted_b: bool = False,
    ip: str | None = None,
    study: Study | None = None,
    min_seconds: float | None = None,
) -> Vote:
    """`vote_record`'s work, inside a transaction the caller holds (a study's vote: no savepoint of its own)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("vote_write needs a transaction: call vote_record, or hold transaction.atomic()")
    if winner not in Winner.values:
        raise ArenaError(f"Unknown choice {winner!r}: expected one of {', '.join(Winner.values)}.")
    battle_id = battle_id_from_token(token=token, annotator=annotator, study=study)
    minimum = settings.ARENA_MIN_VOTE_SECONDS if min_seconds is None else min_seconds
    # Lock the battle: of two concurrent votes on it, the second sees the first.
    # of=("self",): lock the battle row only; locking the joined assets too deadlocks
    # concurrent votes on different battles that share an asset (PostgreSQL). The
    # generators come along for the reveal; the assets' long texts stay behind.
    battle = (
        Battle.objects.select_for_update(of=("self",))
        .select_related("asset_a__generator", "asset_b__generator", "asset_a__setting", "asset_b__setting")
        .defer(*(f"asset_{side}__{name}" for side in "ab" for name in ASSET_LONG_FIELDS))
        .filter(public_id=battle_id)
        .first()
    )
    if battle is None:
        raise ArenaError("This battle no longer exists.", 404)
    # A vote reveals its battle in the same transaction: an unrevealed battle has none to look for.
    stored = Vote.objects.filter(battle=battle).first() if battle.revealed_at is not None else None
    if stored is not None and stored.winner == winner and stored.annotator_id == annotator.id:
        stored.battle, stored.duplicate = battle, True
        return stored
    if battle.revealed_at is not None or stored is not None:
        raise ArenaError("This pair has already been voted on.", 409)
    # After the retry check: a retry of a vote that reached the limit is still answered. A study's votes are
    # bounded by its quota instead (whatever the network: a lab or a classroom shares one address).
    if study is None:
        _check_vote_rate(annotator=annotator, ip=ip)
    now = timezone.now()
    seconds = (now - battle.created_at).total_seconds()
    flag_reason = ""
    if seconds < minimum:
        flag_reason = f"voted after {seconds:.1f} s, under the {minimum:g} s minimum"
    elif battle.repeat_of_id is not None:
        flag_reason = REPEAT_REASON
    elif annotator.flagged:
        flag_reason = f"annotator flagged: {annotator.flag_reason}"
    vote = Vote.objects.create(
        battle=battle,
        winner=winner,
        prompt_id=battle.prompt_id,
        generator_a_id=battle.asset_a.generator_id,
        generator_b_id=battle.asset_b.generator_id,
        is_gold=battle.is_gold,
        annotator=annotator,
        seconds_to_vote=seconds,
        interacted_a=interacted_a,
        interacted_b=interacted_b,
        flagged=bool(flag_reason) or battle.is_gold,
        flag_reason=flag_reason or ("gold pair" if battle.is_gold else ""),
        study_id=battle.study_id,
        participant_id=battle.participant_id,
    )
    battle.revealed_at = now
    battle.save(update_fields=["revealed_at"])
    if battle.is_gold:
        _gold_check(annotator=annotator)
    study_id = battle.study_id
    transaction.on_commit(lambda: _after_vote(study_id))
    vote.duplicate = False
    return vote


GOLD_MIN_ANSWERS = 3
GOLD_MIN_ACCURACY = 0.5


def _gold_check(*, annotator: Annotator) -> None:
    """Flag an annotator who keeps failing pairs whose right answer is known."""
    answers = list(Vote.objects.filter(annotator=annotator, is_gold=True).values_list("winner", "battle__gold_answer"))
    if len(answers) < GOLD_MIN_ANSWERS:
        return
    accuracy = sum(w == a for w, a in answers) / len(answers)
    if accuracy < GOLD_MIN_ACCURACY:
        annotator_flag(annotator=annotator, reason=f"failed gold pairs ({accuracy:.0%} right of {len(answers)})")


def annotator_flag(*, annotator: Annotator, reason: str) -> None:
    Annotator.objects.filter(id=annotator.id).update(flagged=True, flag_reason=reason)
    Vote.objects.filter(annotator=annotator, flagged=False).update(flagged=True, flag_reason=f"annotator: {reason}")
    annotator.flagged, annotator.flag_reason = True, reason


def annotator_reinstate(*, annotator: Annotator) -> None:
    """Undo an annotator flag; votes flagged for other reasons stay flagged."""
    Annotator.objects.filter(id=annotator.id).update(flagged=False, flag_reason="")
    Vote.objects.filter(annotator=annotator, flag_reason__startswith="annotator:").update(flagged=False, flag_reason="")


def _after_vote(study_id: int | None = None) -> None:
    emit(votes_changed, study=study_id)
