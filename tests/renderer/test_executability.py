"""The one definition of executability, and every reader of it agreeing."""

from __future__ import annotations

import pytest

from arena.models import Asset, Generator, Prompt, Status
from leaderboard.selectors import executability
from metrics.services import asset_metrics_compute
from renderer.selectors import executability_counts, is_executable

pytestmark = pytest.mark.django_db


def _outputs(name: str, statuses: list[str]) -> Generator:
    generator = Generator.objects.create(name=name)
    for k, status in enumerate(statuses):
        prompt, _ = Prompt.objects.get_or_create(slug=f"p{k}", defaults={"text": f"prompt {k}"})
        Asset.objects.create(prompt=prompt, generator=generator, status=status)
    return generator


def test_only_an_ok_render_is_executable():
    assert [s for s in Status.values if is_executable(s)] == [Status.OK]


def test_a_models_executability_is_the_share_of_its_finished_outputs_that_ran():
    _outputs("Atlas", [Status.OK, Status.ERR_EXEC, Status.OK, Status.OK, Status.PENDING, Status.RUNNING])
    _outputs("Birch", [Status.PENDING])
    assert executability() == {"Atlas": 0.75}  # the pending and running ones are not counted yet
    assert list(executability_counts("generator__name")) == [("Atlas", 4, 3)]


def test_the_executability_metric_reads_the_same_definition():
    _outputs("Atlas", [Status.OK, Status.ERR_NO_MESH])
    values = {}
    for asset in Asset.objects.order_by("id"):
        (row,) = [m for m in asset_metrics_compute(asset_id=asset.id) if m.name == "executability"]
        values[asset.status] = row.value
    assert values == {Status.OK: 1.0, Status.ERR_NO_MESH: 0.0}
