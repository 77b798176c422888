"""The gallery shows every setting a model ran under for a prompt, each labelled."""

from __future__ import annotations

import pytest

from arena.models import Asset, Generator, Prompt, Setting, Status, Task

pytestmark = pytest.mark.django_db


def test_it_stacks_a_models_settings_in_its_cell_with_their_labels(client, settings):
    settings.GALLERY_PUBLIC = True
    prompt = Prompt.objects.create(slug="fern-seed0-image", task=Task.IMAGE, text="A fern.", category="Fern")
    model = Generator.objects.create(name="model-one")
    other = Generator.objects.create(name="model-two")
    one_view = Setting.objects.create(generator=model, name="model-one_image_to_3d_1", task=Task.IMAGE, label="1 view")
    four = Setting.objects.create(generator=model, name="model-one_image_to_3d_4", task=Task.IMAGE, label="4 views")
    a1 = Asset.objects.create(prompt=prompt, generator=model, setting=one_view, status=Status.OK)
    a4 = Asset.objects.create(prompt=prompt, generator=model, setting=four, status=Status.ERR_EXEC, error="boom")
    single = Asset.objects.create(prompt=prompt, generator=other, status=Status.OK)

    html = client.get("/renders/").content.decode()

    stack = html[html.index('class="cell cell-settings"') :]
    stack = stack[: stack.index("</td>")]
    assert stack.index(f'data-asset="{a1.public_id}"') < stack.index(f'data-asset="{a4.public_id}"')
    assert '<div class="setting-label">1 view</div>' in stack
    assert '<div class="setting-label">4 views</div>' in stack
    assert "boom" in stack
    # A model with one asset on the prompt keeps a plain cell.
    assert f'<td class="cell status-ok" data-asset="{single.public_id}">' in html
    assert html.count("cell-settings") == 1
