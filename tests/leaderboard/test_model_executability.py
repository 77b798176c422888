"""Executability by attempt and the most frequent errors, per model and setting."""

from __future__ import annotations

import pytest

from arena.models import Asset, GenerationAttempt, Generator, Prompt, Setting, Status
from renderer.selectors import error_normalise, model_executability

pytestmark = pytest.mark.django_db


def asset_make(generator: Generator, slug: str, *, setting: Setting | None = None, **fields) -> Asset:
    prompt, _ = Prompt.objects.get_or_create(slug=slug, defaults={"text": "A thing", "category": "Fern"})
    return Asset.objects.create(prompt=prompt, generator=generator, setting=setting, **fields)


def attempts_make(asset: Asset, *statuses: tuple[str, str]) -> None:
    for number, (status, error) in enumerate(statuses):
        GenerationAttempt.objects.create(asset=asset, number=number, status=status, error=error)


@pytest.fixture
def cast() -> None:
    """Model 'multi' ran multi-turn under two settings; 'plain' has no run records, only the arena's renders."""
    multi = Generator.objects.create(name="multi")
    text = Setting.objects.create(generator=multi, name="multi", label="text-to-3D")
    image = Setting.objects.create(generator=multi, name="multi_image_to_3d_4", task="image-to-3d", label="4 views")
    name_error = "NameError: name 'bmesh' is not defined (line 12)"
    # text setting: OK at once; OK at attempt 1; OK at attempt 3; never OK (4 attempts)
    attempts_make(asset_make(multi, "p1", setting=text), ("OK", ""))
    attempts_make(asset_make(multi, "p2", setting=text), ("ERR_EXEC", name_error), ("OK", ""))
    attempts_make(
        asset_make(multi, "p3", setting=text),
        ("ERR_EXEC", "NameError: name 'bmesh' is not defined (line 40)"),
        ("ERR_NO_MESH", "no mesh"),
        ("ERR_EXEC", "File \"/tmp/run-9f2/p3.py\", line 7, in <module> KeyError: 'Cube'"),
        ("OK", ""),
    )
    attempts_make(
        asset_make(multi, "p4", setting=text, status=Status.ERR_EXEC, error="KeyError: 'Cube' (line 3)"),
        ("ERR_EXEC", "File \"/tmp/run-1a/p4.py\", line 9, in <module> KeyError: 'Cube'"),
        ("ERR_TIMEOUT", "timed out after 240 s"),
        ("ERR_EXEC", name_error),
        ("ERR_EXEC", name_error),
    )
    # image setting: no attempt rows; the run's own final status decides, even against the arena's render
    asset_make(multi, "p5", setting=image, run_log={"final_render_status": "OK"}, status=Status.ERR_EXPORT)
    asset_make(multi, "p6", setting=image, run_log={"final_render_status": "ERR_EXEC"}, status=Status.OK)
    plain = Generator.objects.create(name="plain")
    asset_make(plain, "p1", status=Status.OK)
    asset_make(plain, "p2", status=Status.ERR_NO_MESH, error="the script ran but left no mesh")
    asset_make(plain, "p3", status=Status.OK)
    asset_make(plain, "p4", status=Status.PENDING)  # not rendered yet: left out


def rows_by_model() -> dict:
    return {row.model: row for row in model_executability()}


def test_it_counts_an_asset_executable_from_its_first_passing_attempt(cast):
    multi = rows_by_model()["multi"]
    text = {row.setting: row for row in multi.settings}["multi"]
    assert text.assets == 4 and text.shares == [1 / 4, 2 / 4, 2 / 4, 3 / 4]


def test_it_takes_the_run_s_final_status_at_attempt_zero_without_attempt_rows(cast):
    image = {row.setting: row for row in rows_by_model()["multi"].settings}["multi_image_to_3d_4"]
    assert image.assets == 2 and image.shares == [1 / 2] * 4 and image.label == "4 views"


def test_it_pools_a_model_s_settings(cast):
    multi = rows_by_model()["multi"]
    assert multi.assets == 6 and multi.shares == [2 / 6, 3 / 6, 3 / 6, 4 / 6]
    assert [row.setting for row in multi.settings] == ["multi", "multi_image_to_3d_4"]


def test_it_uses_the_arena_s_render_status_without_a_run_record(cast):
    plain = rows_by_model()["plain"]
    assert plain.assets == 3 and plain.shares == [2 / 3] * 4 and plain.settings == []


def test_it_counts_the_most_frequent_errors_normalised(cast):
    rows = rows_by_model()
    assert rows["multi"].errors == [
        ("NameError: name 'bmesh' is not defined", 4),
        ("KeyError: 'Cube'", 3),  # two attempts and the arena's own render of p4
        ("no mesh", 1),
        ("timed out after 240 s", 1),
    ]
    assert rows["plain"].errors == [("the script ran but left no mesh", 1)]


def test_it_scopes_by_category(cast):
    assert model_executability(category="ArmChair") == []
    assert {row.model for row in model_executability(category="Fern")} == {"multi", "plain"}


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("KeyError: 'x' (line 12)", "KeyError: 'x'"),
        ('File "/tmp/job-1/s.py", line 3, in <module> NameError: name q', "NameError: name q"),
        ('Traceback (most recent call last):\n  File "/a/b.py", line 1\nZeroDivisionError: x', "ZeroDivisionError: x"),
        ("RuntimeError: cannot write /tmp/out-77/x.glb at 0x7f00ab12", "RuntimeError: cannot write <path> at 0x…"),
        ("\n\n", ""),
    ],
)  # fmt: skip
def test_it_normalises_an_error_message(raw, normalised):
    assert error_normalise(raw) == normalised
