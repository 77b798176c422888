"""The arena's data: prompts, generators (the models being ranked), their assets,
and the battles and votes that compare them.

Everything a browser sees is addressed by `public_id`, an opaque random token;
sequential ids and generator names never appear in a URL or a file name.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


class Task(models.TextChoices):
    TEXT = "text-to-3d", "Text to 3D"
    IMAGE = "image-to-3d", "Image to 3D"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    ERR_EXEC = "err_exec", "Script error"
    ERR_NO_MESH = "err_no_mesh", "No mesh"
    ERR_TIMEOUT = "err_timeout", "Timeout"
    ERR_EXPORT = "err_export", "Export error"
    ERR_RENDER = "err_render", "Render error"


FINISHED_STATUSES = [s for s in Status.values if s not in (Status.PENDING, Status.RUNNING)]


class Family(models.TextChoices):
    """The benchmark's three families of categories (docs/import-format.md, "Families")."""

    ORGANIC = "organic", "Organic"
    MANUFACTURED = "manufactured", "Manufactured"
    ARCHITECTURAL = "architectural", "Architectural"


class Prompt(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    slug = models.SlugField(max_length=200, unique=True)
    task = models.CharField(max_length=16, choices=Task.choices, default=Task.TEXT)
    category = models.CharField(max_length=100, blank=True, db_index=True)
    family = models.CharField(max_length=16, choices=Family.choices, blank=True, db_index=True)
    instance = models.CharField(
        max_length=200, blank=True, help_text="The release's instance folder (<Category>_seed<N>), if any."
    )
    text = models.TextField(help_text="Short caption shown to annotators.")
    instruction = models.TextField(blank=True, help_text="Long structured instruction given to the generators.")
    reference_image = models.FileField(upload_to="prompts/", blank=True, help_text="The first reference view.")
    reference_images = models.JSONField(
        default=list, blank=True, help_text="Storage names of every reference view, in the release's canonical order."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "category", "slug"]

    def __str__(self) -> str:
        return self.slug


class Generator(models.Model):
    """An AI model whose outputs are ranked; the settings it ran under are its `Setting`s."""

    name = models.CharField(max_length=200, unique=True)
    provider = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=100, blank=True)
    metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="Free-form: setting (single-turn / multi-turn), thinking budget, input views, harness...",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Setting(models.Model):
    """One run of a model: the task and the settings it answered under (a run folder of a release).

    A model's board pools all its settings; each setting is also a player of its own on variant boards.
    """

    generator = models.ForeignKey(Generator, on_delete=models.CASCADE, related_name="settings")
    name = models.CharField(max_length=200, unique=True, help_text="The run folder, e.g. model_image_to_3d_4.")
    task = models.CharField(max_length=16, choices=Task.choices, default=Task.TEXT)
    values = models.JSONField(
        default=dict,
        blank=True,
        help_text="Every setting the run states: provider, temperature, thinking, prompt_type, max_images, seed...",
    )
    label = models.CharField(max_length=200, blank=True, help_text="Readable summary: image-to-3D, 4 views...")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["generator__name", "name"]

    def __str__(self) -> str:
        return self.name


# An asset's long texts, of no use to a pair, a file or a vote: left out of those reads.
ASSET_LONG_FIELDS = ("source_code", "log", "traceback", "run_log", "timings")


class Asset(models.Model):
    """One generator's output for one prompt, or the prompt's reference."""

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="assets")
    generator = models.ForeignKey(Generator, on_delete=models.CASCADE, related_name="assets", null=True, blank=True)
    setting = models.ForeignKey(Setting, on_delete=models.CASCADE, related_name="assets", null=True, blank=True)
    is_reference = models.BooleanField(default=False)
    run_log = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the generating run recorded: tokens, cost, latency, attempts, its own status and error.",
    )
    source_code = models.TextField(blank=True)
    source_mesh = models.FileField(upload_to="sources/", blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    log = models.TextField(blank=True, help_text="The script's stdout and stderr, bounded.")
    glb = models.FileField(upload_to="assets/", blank=True, help_text="Compressed, anonymised GLB for browsers.")
    mesh = models.FileField(upload_to="assets/", blank=True, help_text="Uncompressed mesh for metrics.")
    views = models.JSONField(default=list, blank=True, help_text="Storage names of the clay renders.")
    stats = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    sandboxed = models.BooleanField(default=True)
    attempts = models.PositiveIntegerField(default=0)
    render_started_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["prompt", "generator__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["prompt", "generator"],
                condition=Q(is_reference=False, setting__isnull=True),
                name="one_output_per_generator",
            ),
            models.UniqueConstraint(
                fields=["prompt", "setting"], condition=Q(setting__isnull=False), name="one_output_per_setting"
            ),
            models.UniqueConstraint(fields=["prompt"], condition=Q(is_reference=True), name="one_reference_per_prompt"),
            models.CheckConstraint(
                condition=Q(is_reference=True, generator__isnull=True) | Q(is_reference=False, generator__isnull=False),
                name="reference_has_no_generator",
            ),
        ]

    def __str__(self) -> str:
        owner = "reference" if self.is_reference else str(self.generator)
        return f"{self.prompt.slug} / {owner}"

    def view_urls(self) -> list[str]:
        from django.core.files.storage import default_storage

        return [default_storage.url(name) for name in self.views]

    @property
    def is_mesh_upload(self) -> bool:
        return bool(self.source_mesh) and not self.source_code


class GenerationAttempt(models.Model):
    """One attempt of a multi-turn run (0 is the single shot): its script and how the run's Blender judged it."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="generation_attempts")
    number = models.PositiveIntegerField()
    code = models.TextField(blank=True)
    status = models.CharField(max_length=32, blank=True, help_text="The runner's status: OK, ERR_EXEC, ...")
    error = models.TextField(blank=True)
    n_meshes = models.IntegerField(null=True, blank=True)
    thinking = models.TextField(blank=True, help_text="The model's reasoning text, when the provider returned it.")

    class Meta:
        ordering = ["asset", "number"]
        constraints = [models.UniqueConstraint(fields=["asset", "number"], name="one_attempt_per_number")]

    def __str__(self) -> str:
        return f"{self.asset} attempt {self.number}"


class Annotator(models.Model):
    """Someone who votes: anonymous (a session) unless signed in."""

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    flagged = models.BooleanField(default=False, help_text="Failed the outlier test; votes left out of ratings.")
    flag_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.user.get_username() if self.user else f"anonymous {self.public_id[:6]}"


class Battle(models.Model):
    """A pair served to an annotator. It takes at most one vote."""

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="battles")
    asset_a = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="battles_as_a")
    asset_b = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="battles_as_b")
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="battles")
    strategy = models.CharField(max_length=32)
    is_gold = models.BooleanField(default=False)
    gold_answer = models.CharField(max_length=8, blank=True, help_text="The known right answer of a gold pair.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Within a study: which, and whose. Side A is the one shown first (on the left).
    study = models.ForeignKey("Study", on_delete=models.CASCADE, related_name="battles", null=True, blank=True)
    participant = models.ForeignKey(
        "Participant", on_delete=models.CASCADE, related_name="battles", null=True, blank=True
    )
    # A repeat: the same two assets shown again to the same participant, sides swapped (a consistency check).
    repeat_of = models.OneToOneField(
        "self", on_delete=models.CASCADE, related_name="repeat", null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # The hourly limits per network count pairs served and votes (battles revealed) by address.
        indexes = [
            models.Index(fields=["ip_address", "created_at"], name="arena_battle_ip_served"),
            models.Index(fields=["ip_address", "revealed_at"], name="arena_battle_ip_revealed"),
        ]

    def __str__(self) -> str:
        return f"battle {self.public_id}"


class Winner(models.TextChoices):
    A = "a", "A is better"
    B = "b", "B is better"
    TIE = "tie", "Tie"
    BOTH_BAD = "both_bad", "Both are bad"


class Vote(models.Model):
    battle = models.OneToOneField(Battle, on_delete=models.CASCADE, related_name="vote")
    winner = models.CharField(max_length=8, choices=Winner.choices)
    # Denormalised from the battle so ratings need one GROUP BY and no joins.
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="votes")
    # Null on the reference's side of a gold pair.
    generator_a = models.ForeignKey(Generator, on_delete=models.CASCADE, related_name="+", null=True)
    generator_b = models.ForeignKey(Generator, on_delete=models.CASCADE, related_name="+", null=True)
    is_gold = models.BooleanField(default=False, help_text="A gold pair: checks the annotator, never rated.")
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="votes")
    seconds_to_vote = models.FloatField()
    interacted_a = models.BooleanField(default=False)
    interacted_b = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False, db_index=True)
    flag_reason = models.CharField(max_length=200, blank=True)
    study = models.ForeignKey("Study", on_delete=models.CASCADE, related_name="votes", null=True, blank=True)
    participant = models.ForeignKey(
        "Participant", on_delete=models.CASCADE, related_name="votes", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    # Not stored: set by vote_record when a request repeats the vote already taken.
    duplicate: bool = False
    # Not stored: set by study_vote_record, the participant's progress once this vote is in (None: not counted).
    progress: int | None = None

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.battle.public_id}: {self.winner}"


# -- studies -------------------------------------------------------------------


def new_study_salt() -> str:
    return secrets.token_hex(32)


class Study(models.Model):
    """A human study run on the arena: a fixed set of prompts and models, consent, a quota, a gate, codes.

    See docs/studies.md. `prompts` holds the resolved set (whatever rule chose it is in `prompt_rule`);
    `generators` and `model_settings` restrict the pool (both empty: every model).
    """

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True, help_text="Markdown, shown before and beside the pairs.")
    consent = models.TextField(blank=True, help_text="Markdown; participants must accept it before the first pair.")
    prompts = models.ManyToManyField(Prompt, related_name="studies")
    prompt_rule = models.JSONField(
        default=dict, blank=True, help_text="How the prompts were chosen: task, family, category or a list."
    )
    generators = models.ManyToManyField(Generator, related_name="studies", blank=True)
    model_settings = models.ManyToManyField(Setting, related_name="studies", blank=True)
    quota = models.PositiveIntegerField(help_text="Pairs each participant answers in time (gold pairs included).")
    gold_rate = models.FloatField(default=0.0, help_text="Share of pairs (after the gate) that are gold pairs.")
    repeat_rate = models.FloatField(
        default=0.0,
        help_text="Share of pairs (after the gate) that repeat one of the participant's earlier pairs, sides swapped.",
    )
    gate_pairs = models.PositiveIntegerField(default=0, help_text="n: the first n pairs are gold pairs (0: no gate).")
    gate_pass = models.PositiveIntegerField(default=0, help_text="k: right answers of the n needed to go on.")
    min_vote_seconds = models.FloatField(default=2.0, help_text="Faster votes are kept but not counted.")
    reveal = models.BooleanField(default=False, help_text="Show the model names after each vote.")
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    completion_url = models.URLField(
        max_length=500, blank=True, help_text="Where a participant goes at the quota; {code} is replaced by the code."
    )
    completion_code = models.CharField(max_length=100, blank=True)
    screenout_url = models.URLField(max_length=500, blank=True, help_text="Where a failed gate sends; {code} too.")
    screenout_code = models.CharField(max_length=100, blank=True)
    # One to four questions asked of each pair (none: the arena's single question). See docs/studies.md.
    criteria = models.JSONField(
        default=list,
        blank=True,
        help_text="[{key, label, help}, ...]: each answered A / B / tie / both bad; the first is the main vote.",
    )
    board_public = models.BooleanField(default=False, help_text="Anyone may see the study board (else staff only).")
    # The HMAC key of participant ids: never shown, never exported.
    salt = models.CharField(max_length=64, default=new_study_salt, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "studies"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(quota__gte=1), name="study_quota_positive"),
            models.CheckConstraint(condition=Q(gate_pass__lte=models.F("gate_pairs")), name="study_gate_k_le_n"),
            models.CheckConstraint(condition=Q(gold_rate__gte=0, gold_rate__lte=1), name="study_gold_rate_share"),
            models.CheckConstraint(condition=Q(repeat_rate__gte=0, repeat_rate__lte=1), name="study_repeat_rate_share"),
        ]

    def __str__(self) -> str:
        return self.slug


def criterion_keys(study: Study) -> list[str]:
    """The keys of a study's criteria, in the order asked (empty: the single question)."""
    return [criterion["key"] for criterion in study.criteria or []]


class CriterionVote(models.Model):
    """One criterion's answer of a study vote; the vote's own `winner` is the study's first criterion."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="answers")
    criterion = models.CharField(max_length=32)
    winner = models.CharField(max_length=8, choices=Winner.choices)

    class Meta:
        ordering = ["vote", "id"]
        constraints = [models.UniqueConstraint(fields=["vote", "criterion"], name="one_answer_per_criterion")]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.criterion}: {self.winner}"


class ParticipantStatus(models.TextChoices):
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    SCREENED_OUT = "screened_out", "Screened out"


class Platform(models.TextChoices):
    PROLIFIC = "prolific", "Prolific"
    MTURK = "mturk", "Amazon Mechanical Turk"
    ANONYMOUS = "anonymous", "Anonymous (browser session)"


class Participant(models.Model):
    """One person in one study. Their platform id is kept only as an HMAC under the study's salt."""

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants")
    annotator = models.OneToOneField(Annotator, on_delete=models.CASCADE, related_name="participant")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    id_hash = models.CharField(max_length=64, help_text="HMAC-SHA256 of the platform id under the study's salt.")
    platform_study = models.CharField(max_length=100, blank=True, help_text="The platform's STUDY_ID or hitId.")
    session_hash = models.CharField(
        max_length=64, blank=True, help_text="HMAC of the platform's SESSION_ID or assignmentId."
    )
    status = models.CharField(
        max_length=16, choices=ParticipantStatus.choices, default=ParticipantStatus.STARTED, db_index=True
    )
    consented_at = models.DateTimeField(null=True, blank=True)
    gate_passed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["study", "started_at"]
        constraints = [models.UniqueConstraint(fields=["study", "id_hash"], name="one_participant_per_id")]

    def __str__(self) -> str:
        return f"{self.study.slug} / {self.id_hash[:10]}"
