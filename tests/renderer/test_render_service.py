"""The Django side of rendering: an Asset row in, stored files and status out."""

from __future__ import annotations

import io

import pytest
import trimesh
from django.core.files.storage import default_storage
from django.core.management import call_command

from arena.models import Asset, Generator, Prompt, Status
from renderer import workers
from renderer.services import asset_render, assets_to_render

pytestmark = pytest.mark.django_db

CUBE = "import bpy\nbpy.ops.mesh.primitive_cube_add(size=2)\nbpy.context.object.name = 'Orion-Hidden-5'\n"


@pytest.fixture
def small_pool(settings, media_root):  # type: ignore[no-untyped-def]
    """A one-worker pool with one small view, built from settings like the real one."""
    settings.RENDER_WORKERS, settings.RENDER_VIEWS, settings.RENDER_SIZE = 1, 1, 64
    settings.RENDER_TIMEOUT = 30
    workers._pool = None
    yield
    if workers._pool is not None:
        workers._pool.close()
        workers._pool = None


def make_asset(code: str) -> Asset:
    prompt = Prompt.objects.create(slug="cube", text="A cube")
    generator = Generator.objects.create(name="Orion-Hidden-5")
    return Asset.objects.create(prompt=prompt, generator=generator, source_code=code)


def test_it_renders_an_asset_and_stores_its_files_under_the_opaque_id(small_pool):
    asset = asset_render(asset_id=make_asset(CUBE).id)
    assert asset.status == Status.OK and asset.rendered_at and asset.attempts == 1
    assert asset.glb.name == f"assets/{asset.public_id}/model.glb"
    assert len(asset.views) == 1 and default_storage.exists(asset.views[0])
    with asset.mesh.open("rb") as handle:
        mesh = trimesh.load(io.BytesIO(handle.read()), file_type="glb", force="mesh")
    assert mesh.extents == pytest.approx([2, 2, 2], abs=1e-4)
    with asset.glb.open("rb") as handle:
        assert b"Orion" not in handle.read()


def test_it_records_a_script_error_with_its_line(small_pool):
    asset = asset_render(asset_id=make_asset("import bpy\n\nbpy.ops.mesh.primitive_cube_add(radius=1)\n").id)
    assert asset.status == Status.ERR_EXEC and "line 3" in asset.error and asset.traceback
    assert not asset.glb


def test_it_leaves_a_finished_asset_alone_unless_forced(small_pool):
    asset = asset_render(asset_id=make_asset(CUBE).id)
    assert asset_render(asset_id=asset.id) is None
    assert asset_render(asset_id=asset.id, force=True).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_it_picks_up_a_render_whose_worker_was_lost(small_pool):
    from datetime import timedelta

    from django.utils import timezone

    asset = make_asset(CUBE)
    Asset.objects.filter(id=asset.id).update(
        status=Status.RUNNING, render_started_at=timezone.now() - timedelta(hours=1)
    )
    assert assets_to_render() == [asset.id]
    call_command("arena_render", verbosity=0)
    asset.refresh_from_db()
    assert asset.status == Status.OK


def test_it_returns_the_asset_to_pending_when_the_sandbox_cannot_start(small_pool, monkeypatch):
    from renderer.runtime.pool import SandboxUnavailable

    asset = make_asset(CUBE)

    class Broken:
        def run(self, *args, **kwargs):
            raise SandboxUnavailable("bubblewrap (bwrap) not found")

    monkeypatch.setattr("renderer.services.get_pool", lambda: Broken())
    with pytest.raises(SandboxUnavailable):
        asset_render(asset_id=asset.id)
    asset.refresh_from_db()
    assert asset.status == Status.PENDING and "bwrap" in asset.error
