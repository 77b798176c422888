"""`arena_study`: creating and updating a study from options, and the errors that name the bad option."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from arena.models import Setting, Study

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("arena_study", *args, stdout=out)
    return out.getvalue()


BASE = ("--title", "Shapes", "--quota", "4", "--completion-code", "C0DE")


def test_it_creates_a_study_with_its_prompts_models_and_rules(cast, tmp_path):
    instructions = tmp_path / "instructions.md"
    instructions.write_text("Pick the **better** one.", encoding="utf-8")
    done = "https://app.prolific.com/submissions/complete?cc=C0DE"
    out = run("shapes", *BASE, "--prompts", "chair,lamp", "--models", "Zephyr-Secret-9,Quill-Hidden-7",
              "--gate-pairs", "2", "--gate-pass", "1", "--screenout-code", "OUT", "--instructions", str(instructions),
              "--opens", "2026-05-01T09:00", "--completion-url", done)  # fmt: skip
    study = Study.objects.get(slug="shapes")
    assert "Created study shapes: 2 prompt(s), 4 rendered output(s)" in out
    assert {p.slug for p in study.prompts.all()} == {"chair", "lamp"}
    assert {g.name for g in study.generators.all()} == {"Zephyr-Secret-9", "Quill-Hidden-7"}
    assert (study.quota, study.gate_pairs, study.gate_pass, study.reveal) == (4, 2, 1, False)
    assert study.instructions == "Pick the **better** one." and study.completion_url == done
    assert study.opens_at.isoformat() == "2026-05-01T09:00:00+00:00"
    assert study.prompt_rule["prompts"] == ["chair", "lamp"] and len(study.salt) == 64


def test_it_updates_only_what_is_given(cast):
    run("shapes", *BASE, "--category", "manufactured")
    salt = Study.objects.get().salt
    run("shapes", "--quota", "9", "--reveal")
    study = Study.objects.get()
    assert (study.quota, study.title, study.reveal, study.salt) == (9, "Shapes", True, salt)
    assert study.prompts.count() == 2


def test_it_takes_settings(cast):
    setting = Setting.objects.create(generator=cast.generators[0], name="zephyr_run_1")
    run("shapes", *BASE, "--prompts", "chair", "--model-settings", "zephyr_run_1")
    assert list(Study.objects.get().model_settings.all()) == [setting]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--prompts", "chair,sofa"), "--prompts: no prompt 'sofa'"),
        (("--prompts", "chair", "--models", "Nobody-1"), "--models: no model named 'Nobody-1'"),
        (("--prompts", "chair", "--model-settings", "run_x"), "--model-settings: no setting named 'run_x'"),
        (("--task", "audio"), "--task: unknown task 'audio'"),
        (("--family", "organic"), "--prompts: no prompt matches"),
        ((), "--prompts: a new study needs prompts"),
        (("--prompts", "chair", "--gate-pairs", "2", "--gate-pass", "3", "--screenout-code", "X"), "--gate-pass: is 3"),
        (("--prompts", "chair", "--gate-pairs", "9", "--screenout-code", "X"), "--gate-pairs: is 9, more than"),
        (("--prompts", "chair", "--gate-pairs", "2"), "--screenout-code: a screen-out code or URL is needed"),
        (("--prompts", "chair", "--gold-rate", "1.5"), "--gold-rate: is 1.5"),
        (("--prompts", "chair", "--opens", "tomorrow"), "--opens: 'tomorrow' is not an ISO date"),
        (("--prompts", "chair", "--opens", "2026-05-02", "--closes", "2026-05-01"), "--closes: must be after"),
        (("--prompts", "chair", "--completion-url", "https://x.org/?cc=OTHER"), "--completion-url: carries cc=OTHER"),
        (("--prompts", "chair", "--completion-url", "not a url"), "--completion-url: Enter a valid URL"),
    ],
)
def test_it_refuses_a_bad_option_by_name_and_stores_nothing(cast, args, message):
    with pytest.raises(CommandError) as refused:
        run("shapes", *BASE, *args)
    assert message in str(refused.value)
    assert not Study.objects.exists()


def test_a_title_and_quota_are_needed(cast):
    with pytest.raises(CommandError) as refused:
        run("shapes", "--prompts", "chair", "--completion-code", "X")
    assert "--title" in str(refused.value) and "--quota" in str(refused.value)


def test_a_bad_update_leaves_the_study_as_it_was(cast):
    run("shapes", *BASE, "--prompts", "chair")
    with pytest.raises(CommandError):
        run("shapes", "--quota", "0", "--prompts", "lamp")
    study = Study.objects.get()
    assert study.quota == 4 and [p.slug for p in study.prompts.all()] == ["chair"]
