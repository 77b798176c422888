"""A small cast for arena tests: two prompts, three generators, rendered assets.

Assets get a tiny real GLB (a box written by trimesh) so file-serving paths work
without running Blender; the renderer's own tests cover real renders.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
import trimesh
from django.core.files.base import ContentFile

from arena.models import Annotator, Asset, Generator, Prompt, Status


def box_glb(size: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    trimesh.creation.box(extents=(size, size, size)).export(buffer, file_type="glb")
    return buffer.getvalue()


@dataclass
class Cast:
    prompts: list[Prompt] = field(default_factory=list)
    generators: list[Generator] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)


def make_asset(prompt: Prompt, generator: Generator | None, status: str = Status.OK, triangles: int = 12) -> Asset:
    asset = Asset(prompt=prompt, generator=generator, is_reference=generator is None, status=status)
    if status == Status.OK:
        asset.glb.save(f"{asset.public_id}/model.glb", ContentFile(box_glb()), save=False)
        asset.stats = {"triangles": triangles}
    asset.save()
    return asset


@pytest.fixture
def cast(media_root) -> Cast:  # type: ignore[no-untyped-def]
    """Prompts 'chair' and 'lamp'; generators Zephyr-Secret-9, Quill-Hidden-7, Nimbus-Covert-3.

    Every generator has an ok asset for both prompts, except Nimbus, whose lamp failed.
    """
    cast = Cast()
    for slug in ("chair", "lamp"):
        cast.prompts.append(Prompt.objects.create(slug=slug, text=f"A {slug}", category="manufactured"))
    for name in ("Zephyr-Secret-9", "Quill-Hidden-7", "Nimbus-Covert-3"):
        cast.generators.append(Generator.objects.create(name=name, provider="Hidden Provider"))
    for prompt in cast.prompts:
        for generator in cast.generators:
            failed = prompt.slug == "lamp" and generator.name.startswith("Nimbus")
            cast.assets.append(make_asset(prompt, generator, Status.ERR_EXEC if failed else Status.OK))
    return cast


@pytest.fixture
def annotator(db) -> Annotator:  # type: ignore[no-untyped-def]
    return Annotator.objects.create()
