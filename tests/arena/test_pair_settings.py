"""A model with several settings: one asset of it per battle, never against itself, named only after the vote."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from arena import selectors
from arena.models import Annotator, Asset, GenerationAttempt, Generator, Prompt, Setting, Status, Task
from tests.arena.conftest import box_glb

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):  # type: ignore[no-untyped-def]
    settings.ARENA_MIN_VOTE_SECONDS = 0
    settings.ARENA_GOLD_RATE = 0


def rendered(prompt: Prompt, generator: Generator, setting: Setting) -> Asset:
    asset = Asset(prompt=prompt, generator=generator, setting=setting, status=Status.OK, stats={"triangles": 12})
    asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(box_glb()), save=False)
    asset.save()
    return asset


@pytest.fixture
def two_models(media_root):  # type: ignore[no-untyped-def]
    """One image prompt with 4 views; Orion-Veiled-5 ran it with 1 and with 4 views, Lyra-Masked-2 with 4."""
    prompt = Prompt.objects.create(slug="chair-seed0-image", task=Task.IMAGE, text="A chair.", category="ArmChair")
    names = []
    for i in range(4):
        names.append(f"prompts/{prompt.public_id}/Image_{5 + 10 * i:03d}.png")
        from django.core.files.storage import default_storage

        default_storage.save(names[-1], ContentFile(b"\x89PNG\r\n\x1a\n"))
    prompt.reference_images, prompt.reference_image.name = names, names[0]
    prompt.save()
    assets: dict[str, Asset] = {}
    runs_of = {"Orion-Veiled-5": ("_image_to_3d_1", "_image_to_3d_4"), "Lyra-Masked-2": ("_image_to_3d_4",)}
    for model, runs in runs_of.items():
        generator = Generator.objects.create(name=model, provider="Secret Provider")
        for run in runs:
            label = f"image-to-3D · {run[-1]} view{'s' if run[-1] != '1' else ''} · thinking xhigh"
            setting = Setting.objects.create(generator=generator, name=model + run, task=Task.IMAGE, label=label)
            assets[model + run] = rendered(prompt, generator, setting)
    attempt = assets["Orion-Veiled-5_image_to_3d_1"]
    GenerationAttempt.objects.create(asset=attempt, number=0, status="ERR_EXEC", error="NameError: Orion")
    GenerationAttempt.objects.create(asset=attempt, number=1, status="OK")
    return assets


def test_a_model_is_never_paired_with_itself_and_each_of_its_settings_is_drawn(two_models):
    orion = Generator.objects.get(name="Orion-Veiled-5")
    served: Counter[int] = Counter()
    for seed in range(60):
        choice = selectors.pair_choice(annotator=Annotator.objects.create(), strategy="uniform",
                                       rng=random.Random(seed))  # fmt: skip
        assert choice is not None
        first, second = choice.assets
        assert first.generator_id != second.generator_id
        served.update(a.id for a in choice.assets if a.generator_id == orion.id)
    orion_assets = {two_models["Orion-Veiled-5_image_to_3d_1"].id, two_models["Orion-Veiled-5_image_to_3d_4"].id}
    assert set(served) == orion_assets and min(served.values()) >= 15


def test_an_annotator_gets_the_other_setting_once_one_pair_was_seen(client: Client, two_models):
    from arena.models import Battle

    for _ in range(2):
        assert client.post("/arena/api/battles/", "{}", content_type="application/json").status_code == 200

    pairs = {frozenset((b.asset_a_id, b.asset_b_id)) for b in Battle.objects.all()}
    assert len(pairs) == 2  # both of Orion's settings against Lyra, no pair twice
    assert client.post("/arena/api/battles/", "{}", content_type="application/json").status_code == 503


def test_nothing_before_the_vote_names_a_model_or_its_setting(client: Client, two_models):
    battle = client.post("/arena/api/battles/", "{}", content_type="application/json")
    body = battle.content
    for setting in Setting.objects.select_related("generator"):
        for secret in (setting.name, setting.label, setting.generator.name, setting.generator.provider, "views ·"):
            assert secret.encode() not in body
    assert b"attempt" not in body and b"NameError" not in body and b"setting" not in body
    page = client.get("/arena/")
    for secret in ("Orion", "Lyra", "thinking xhigh"):
        assert secret.encode() not in page.content
    payload = battle.json()
    assert len(payload["prompt"]["images"]) == 4  # every reference view, in order
    assert [u.rsplit("/", 1)[1] for u in payload["prompt"]["images"]] == [
        "Image_005.png", "Image_015.png", "Image_025.png", "Image_035.png"
    ]  # fmt: skip


def test_the_reveal_names_the_setting_and_the_trajectory(client: Client, two_models):
    from arena.models import Battle

    orion_1 = two_models["Orion-Veiled-5_image_to_3d_1"]
    for _ in range(10):
        battle = client.post("/arena/api/battles/", "{}", content_type="application/json").json()
        stored = Battle.objects.order_by("-created_at").first()
        assert stored is not None
        if orion_1.id in (stored.asset_a_id, stored.asset_b_id):
            break
    else:
        pytest.fail("the 1-view setting was never served")
    result = client.post("/arena/api/vote/", json.dumps({"token": battle["token"], "winner": "tie"}),
                         content_type="application/json").json()  # fmt: skip
    side = "a" if stored.asset_a_id == orion_1.id else "b"
    reveal = result["reveal"][side]
    assert reveal["name"] == "Orion-Veiled-5" and reveal["setting"] == "image-to-3D · 1 view · thinking xhigh"
    assert reveal["attempts"] == [
        {"number": 0, "status": "ERR_EXEC", "error": "NameError: Orion"},
        {"number": 1, "status": "OK", "error": ""},
    ]
    other = result["reveal"]["b" if side == "a" else "a"]
    assert other["name"] == "Lyra-Masked-2" and other["attempts"] == []
