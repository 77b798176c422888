"""The staff upload page: a mesh or script in, checked by content, rendered like an import."""

from __future__ import annotations

import io
import random
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trimesh
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from arena import background
from arena.models import FINISHED_STATUSES, Asset, Generator, Prompt, Status
from renderer import workers
from renderer.runtime.pool import RenderPool

URL = "/renders/upload/"
CUBE = "import bpy\nbpy.ops.mesh.primitive_cube_add(size=2)\n"


def box_bytes(file_type: str, extents: tuple[float, float, float] = (2.0, 4.0, 6.0)) -> bytes:
    data = trimesh.creation.box(extents=extents).export(file_type=file_type)
    return data.encode() if isinstance(data, str) else data


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def cast(db, media_root: Path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A prompt, a known generator, and a researcher (staff) who uploads."""
    staff = User.objects.create_user("researcher", password="x-long-password", is_staff=True)
    return {
        "prompt": Prompt.objects.create(slug="tall-box", text="A tall box"),
        "generator": Generator.objects.create(name="Orion-7"),
        "staff": staff,
    }


@pytest.fixture
def staff_client(client: Client, cast: dict[str, object]) -> Client:
    client.force_login(cast["staff"])  # type: ignore[arg-type]
    return client


def form(cast: dict[str, object], name: str, data: bytes, **fields: object) -> dict[str, object]:
    values: dict[str, object] = {"prompt": cast["prompt"].pk, "file": SimpleUploadedFile(name, data)}  # type: ignore[attr-defined]
    if "new_generator" not in fields and "generator" not in fields:
        values["generator"] = cast["generator"].pk  # type: ignore[attr-defined]
    values.update({k: v for k, v in fields.items() if v is not None})
    return values


# -- who may upload ------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login_page(client: Client, cast, media_root: Path) -> None:
    for response in (client.get(URL), client.post(URL, form(cast, "box.glb", box_bytes("glb")))):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/renders/upload/")
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_it_forbids_signed_in_annotators_who_are_not_staff(client: Client, cast, media_root: Path) -> None:
    client.force_login(User.objects.create_user("annotator", password="x-long-password"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form(cast, "box.glb", box_bytes("glb"))).status_code == 403
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_it_shows_the_form_to_staff_and_links_it_from_the_gallery(staff_client: Client, cast) -> None:
    page = staff_client.get(URL)
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.content
    assert b"tall-box" in page.content and b"Orion-7" in page.content and b"csrfmiddlewaretoken" in page.content
    assert b'href="/renders/upload/"' in staff_client.get("/renders/").content


def test_it_refuses_a_post_without_the_csrf_token(cast, media_root: Path, django_capture_on_commit_callbacks) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["staff"])
    assert client.post(URL, form(cast, "box.glb", box_bytes("glb"))).status_code == 403
    assert Asset.objects.count() == 0 and stored_files(media_root) == []
    # The same client with the page's token gets through: the refusal was the token's.
    token = client.get(URL).cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(URL, {**form(cast, "box.glb", box_bytes("glb")), "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Asset.objects.count() == 1 and len(queued) == 1


def test_it_only_takes_get_and_post(staff_client: Client) -> None:
    assert staff_client.put(URL).status_code == 405


# -- what it accepts ------------------------------------------------------------


def test_it_stores_an_accepted_mesh_under_the_assets_random_id_and_queues_its_render(
    staff_client: Client, cast, media_root: Path, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = staff_client.post(URL, form(cast, "Orion-7 output.glb", box_bytes("glb"), new_generator="Nova 2"))
    asset = Asset.objects.get(generator__name="Nova 2")
    assert response.status_code == 302 and response["Location"] == f"/renders/asset/{asset.public_id}/"
    assert asset.status == Status.PENDING and asset.source_code == "" and len(queued) == 1
    assert stored_files(media_root) == [f"sources/{asset.public_id}.glb"]
    assert (media_root / asset.source_mesh.name).read_bytes() == box_bytes("glb")


def test_it_stores_an_accepted_script_as_source_code(staff_client: Client, cast, media_root: Path) -> None:
    response = staff_client.post(URL, form(cast, "cube.py", b"\xef\xbb\xbf" + CUBE.encode()))
    asset = Asset.objects.get()
    assert response.status_code == 302 and asset.source_code == CUBE and not asset.source_mesh
    assert stored_files(media_root) == []


# -- what it refuses ------------------------------------------------------------


def refused(response, field: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    return " ".join(errors[field])


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("box.obj", box_bytes("glb"), "not UTF-8 text (byte 8); its content looks like a binary glTF (GLB)"),
        ("box.glb", box_bytes("obj"), "magic 'glTF'; its content looks like an OBJ mesh"),
        ("box.stl", box_bytes("stl")[:-7], "declares 12 triangles (684 bytes) but the file has 677 bytes"),
        ("box.py", box_bytes("ply"), "not a Python script: it is not UTF-8 text"),
        ("scene.fbx", b"Kaydara FBX Binary  \x00", "unsupported file type '.fbx'"),
        ("empty.glb", b"", "empty.glb is empty"),
        ("blank.py", b"  \n\n", "the script contains no code"),
        ("latin.py", "# café\nimport bpy\n".encode("latin-1"), "not a Python script: it is not UTF-8 text (byte 5)"),
        ("nul.py", b"import bpy\x00\n", "contains a NUL byte"),
    ],
)  # fmt: skip
def test_it_refuses_a_file_whose_content_is_not_its_type(
    staff_client: Client, cast, media_root: Path, name: str, data: bytes, reason: str
) -> None:
    message = refused(staff_client.post(URL, form(cast, name, data, new_generator="Nova 2")), "file")
    assert reason in message
    assert Asset.objects.count() == 0 and stored_files(media_root) == []
    assert not Generator.objects.filter(name="Nova 2").exists()


def test_it_refuses_a_file_over_the_size_limit_without_spooling_it_whole(
    staff_client: Client, cast, media_root: Path, settings, monkeypatch
) -> None:
    settings.UPLOAD_MAX_MB = 1
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # this upload goes through the spooling handler
    spooled: list[int] = []
    from renderer.uploads import CappedUploadHandler

    real_complete = CappedUploadHandler.file_complete

    def record(self, file_size):  # type: ignore[no-untyped-def]
        spooled.append(self.file.tell())  # what reached the disk (an observation, not a stand-in)
        return real_complete(self, file_size)

    monkeypatch.setattr(CappedUploadHandler, "file_complete", record)
    big = b"# padding\n" * 300_000  # 3 MB of valid Python
    message = refused(staff_client.post(URL, form(cast, "big.py", big)), "file")
    assert "big.py is 2.9 MB, over the 1 MB limit (UPLOAD_MAX_MB)" in message
    assert spooled == [2**20 + 1]
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_it_refuses_a_second_asset_for_the_same_prompt_and_generator(
    staff_client: Client, cast, media_root: Path
) -> None:
    first = Asset.objects.create(prompt=cast["prompt"], generator=cast["generator"], source_code=CUBE)
    message = refused(staff_client.post(URL, form(cast, "box.glb", box_bytes("glb"))), "generator")
    assert "Orion-7 already has an asset for prompt 'tall-box': nothing was stored" in message
    # Typing the existing name is the same generator, and the error lands on the field that was used.
    message = refused(
        staff_client.post(URL, form(cast, "box.glb", box_bytes("glb"), new_generator="Orion-7")), "new_generator"
    )
    assert "already has an asset" in message
    assert list(Asset.objects.all()) == [first] and stored_files(media_root) == []


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"generator": "", "new_generator": ""}, "generator", "Choose a generator or type a new generator's name."),
        ({"new_generator": "Nova"}, "new_generator", "not both"),
        ({"generator": "", "new_generator": "Nova\x07"}, "new_generator", "control characters"),
        ({"prompt": "999999"}, "prompt", "Select a valid choice"),
    ],
)
def test_it_refuses_an_unclear_prompt_or_generator(
    staff_client: Client, cast, media_root: Path, fields: dict[str, str], field: str, reason: str
) -> None:
    values = form(cast, "box.glb", box_bytes("glb"))
    values.update(fields)
    assert reason in refused(staff_client.post(URL, values), field)
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_it_names_the_field_and_reason_on_the_page(staff_client: Client, cast) -> None:
    response = staff_client.post(URL, form(cast, "box.obj", box_bytes("glb")))
    html = response.content.decode()
    assert 'class="errorlist' in html and "box.obj: not an OBJ mesh" in html
    assert html.index("box.obj: not an OBJ mesh") > html.index('name="new_generator"')  # shown at the file field


# -- through the real sandboxed pool --------------------------------------------


@pytest.fixture
def renders(render_pool: RenderPool, settings, media_root: Path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The in-process render path with a real warm sandboxed worker; waits for its threads at the end."""
    settings.RENDER_WORKERS = 1
    background.pools_drain()
    workers._pool = render_pool
    yield
    background.pools_drain()  # renders first: they queue metrics
    workers._pool = None


def wait_finished(asset_ids: list[int], timeout: float = 120.0) -> dict[int, Asset]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assets = {a.id: a for a in Asset.objects.filter(id__in=asset_ids)}
        if all(a.status in FINISHED_STATUSES for a in assets.values()):
            return assets
        time.sleep(0.2)
    raise AssertionError(f"renders not finished after {timeout} s: {Asset.objects.values('id', 'status')}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_renders_an_accepted_mesh_upload_to_ok(renders, staff_client: Client, cast, media_root: Path) -> None:
    response = staff_client.post(URL, form(cast, "box.stl", box_bytes("stl"), new_generator="Nova 2"))
    assert response.status_code == 302
    asset = wait_finished([Asset.objects.get().id])[Asset.objects.get().id]
    assert asset.status == Status.OK, asset.error
    assert asset.glb.name == f"assets/{asset.public_id}/model.glb" and len(asset.views) == 1
    with asset.mesh.open("rb") as handle:
        mesh = trimesh.load(io.BytesIO(handle.read()), file_type="glb", force="mesh")
    assert sorted(round(x, 4) for x in mesh.extents) == [2.0, 4.0, 6.0]
    assert all("Nova" not in name for name in stored_files(media_root))
    assert staff_client.get(response["Location"]).status_code == 200


def fuzz_cases(seed: int = 20240611) -> list[tuple[str, bytes]]:
    """Corrupt, truncated and random inputs of every mesh type (deterministic)."""
    rng = random.Random(seed)
    glb, obj, stl = box_bytes("glb"), box_bytes("obj"), box_bytes("stl")
    json_end = 20 + struct.unpack_from("<I", glb, 12)[0]

    def flip(data: bytes, start: int, end: int, n: int = 8) -> bytes:
        out = bytearray(data)
        for _ in range(n):
            out[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
        return bytes(out)

    ascii_stl = trimesh.exchange.stl.export_stl_ascii(trimesh.creation.box()).encode()
    nan_stl = stl[:84] + b"".join(struct.pack("<12fH", *([float("nan")] * 12), 0) for _ in range(12))
    return [
        ("glb-truncated-header.glb", glb[:10]),
        ("glb-truncated-json.glb", glb[: json_end - 5]),
        ("glb-truncated-binary.glb", glb[: len(glb) - 24]),
        ("glb-bad-json.glb", flip(glb, 20, json_end)),
        ("glb-bad-binary.glb", flip(glb, json_end + 8, len(glb), n=40)),
        ("glb-wrong-length.glb", glb[:8] + struct.pack("<I", len(glb) + 4) + glb[12:]),
        ("obj-truncated.obj", obj[: len(obj) // 2 + 3]),
        ("obj-garbage-line.obj", obj.replace(b"\nf ", b"\nzz 1 2\nf ", 1)),
        ("obj-bad-index.obj", obj + b"f 1 2 99\n"),
        ("obj-binary-inside.obj", obj[:40] + bytes(rng.randrange(256) for _ in range(64)) + obj[40:]),
        ("stl-truncated.stl", stl[: len(stl) - 50]),
        ("stl-ascii-truncated.stl", ascii_stl[: len(ascii_stl) // 2]),
        ("stl-nan.stl", nan_stl),
        ("stl-scrambled.stl", flip(stl, 84, len(stl), n=60)),
        *[(f"random-{i}{suffix}", rng.randbytes(rng.choice([3, 84, 700, 4096]))) for i, suffix in enumerate(
            (".glb", ".gltf", ".obj", ".ply", ".stl", ".py"))],
    ]  # fmt: skip


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_gives_fuzzed_uploads_a_precise_error_or_a_render_status(
    renders, staff_client: Client, cast, media_root: Path
) -> None:
    refusals: dict[str, str] = {}
    accepted: dict[str, int] = {}
    for index, (name, data) in enumerate(fuzz_cases()):
        response = staff_client.post(URL, form(cast, name, data, new_generator=f"fuzz-{index}"))
        assert response.status_code in (302, 400), (name, response.status_code)
        if response.status_code == 400:
            refusals[name] = refused(response, "file")
            assert refusals[name].startswith(f"{name}: ") and len(refusals[name]) > len(name) + 20
            assert not Generator.objects.filter(name=f"fuzz-{index}").exists()
        else:
            accepted[name] = Asset.objects.get(generator__name=f"fuzz-{index}").id
    finished = wait_finished(list(accepted.values()))
    # Truncations and random bytes are refused by content; corruption deep inside the data reaches Blender.
    assert {"glb-truncated-header.glb", "glb-truncated-json.glb", "glb-truncated-binary.glb", "glb-wrong-length.glb",
            "obj-garbage-line.obj", "obj-bad-index.obj", "obj-binary-inside.obj", "stl-truncated.stl",
            "stl-ascii-truncated.stl"} <= set(refusals)  # fmt: skip
    assert all(name in refusals for name, _ in fuzz_cases() if name.startswith("random-"))
    assert "truncated?" in refusals["glb-truncated-binary.glb"] and "line " in refusals["obj-bad-index.obj"]
    assert {"stl-nan.stl", "glb-bad-binary.glb"} <= set(accepted)
    for asset in finished.values():  # each reached a verdict: ok, or an error status with its one-line reason
        assert asset.status == Status.OK or (asset.status in FINISHED_STATUSES and asset.error), asset.status
    # Nothing half-written: only accepted assets exist, each with its source and, if it rendered, its outputs.
    assert Asset.objects.count() == len(accepted)
    expected = set()
    for asset in finished.values():
        expected |= {asset.source_mesh.name, asset.glb.name, asset.mesh.name, *asset.views} - {""}
    assert set(stored_files(media_root)) == expected
