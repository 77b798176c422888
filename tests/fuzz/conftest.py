"""Shared pieces of the bad-input tests: a small valid manifest, and what the database holds.

Every test here starts from good input, breaks one thing, and checks three
facts: the import does not raise, each refused record is named by its file
(and line) with the reason, and the database holds exactly the records that
were reported as imported (nothing half-written).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arena.models import Asset, Generator, Prompt
from renderer.runtime.config import RenderConfig
from renderer.runtime.pool import RenderPool
from tests.conftest import missing_service

CHAIR = "import bpy\nbpy.ops.mesh.primitive_cube_add(size=1)\n"
LAMP = "import bpy\nbpy.ops.mesh.primitive_uv_sphere_add(radius=0.3)\n"
SECRET = "root:x:0:0:secret-outside-the-folder\n"


def write_jsonl(path: Path, rows: list[Any]) -> None:
    """One line per row: dicts as JSON, strings as they are (to write broken lines)."""
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")


def sparse(path: Path, size: int) -> Path:
    """A file of `size` bytes that takes no disk space (like `truncate -s`)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def db_state() -> dict[str, Any]:
    """What an import can write, in a form that compares exactly."""
    return {
        "generators": set(Generator.objects.values_list("name", flat=True)),
        "prompts": set(Prompt.objects.values_list("slug", flat=True)),
        "references": set(Asset.objects.filter(is_reference=True).values_list("prompt__slug", flat=True)),
        "outputs": set(Asset.objects.filter(is_reference=False).values_list("generator__name", "prompt__slug")),
    }


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the manifest, with a file no import may read."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.py").write_text(SECRET)
    (folder / "secret.glb").write_bytes(b"glTF" + bytes(60))
    return folder


@pytest.fixture
def manifest(tmp_path: Path, media_root: Path) -> Path:
    """A valid manifest: one generator, a prompt with a reference script, two outputs."""
    root = tmp_path / "run"
    (root / "code").mkdir(parents=True)
    (root / "code" / "chair.py").write_text(CHAIR)
    (root / "code" / "lamp.py").write_text(LAMP)
    (root / "ref.py").write_text(CHAIR)
    write_jsonl(root / "generators.jsonl", [{"name": "m1", "provider": "P", "metadata": {"setting": "single-turn"}}])
    write_jsonl(root / "prompts.jsonl", [{"slug": "chair", "category": "manufactured", "text": "A chair",
                                          "reference_script": "ref.py"}])  # fmt: skip
    write_jsonl(
        root / "outputs.jsonl",
        [
            {"generator": "m1", "prompt": "chair", "code": "code/chair.py"},
            {"generator": "m2", "prompt": "chair", "code": "code/lamp.py"},
        ],
    )
    return root


# -- the sandboxed renderer ----------------------------------------------------


def require_bubblewrap() -> None:
    """Skip (in CI: fail) when bubblewrap is not installed, as tests/renderer does."""
    if shutil.which("bwrap") is None:
        missing_service("needs bubblewrap (apt-get install bubblewrap)")


MESH_TIMEOUT_S = 20.0
# A broken mesh needs little memory; a low limit ends the one that tries to allocate billions of
# vertices (huge_count.glb) after touching 1.5 GiB rather than the default 6 GiB, well within the time limit.
MESH_MEMORY_MB = 1536


@pytest.fixture(scope="session")
def mesh_pool() -> Iterator[RenderPool]:
    """Two warm sandboxed workers, no renders, a 20 s limit and 1.5 GiB: enough for any broken mesh."""
    require_bubblewrap()
    with RenderPool(RenderConfig(workers=2, views=0, timeout_s=MESH_TIMEOUT_S, memory_mb=MESH_MEMORY_MB)) as shared:
        yield shared
