"""Media in an S3-compatible object store: render, score and serve with nothing on the local disk.

The store is moto's S3 server on a local port, the external boundary; the
storage settings are the ones `config/settings.py` builds from the
environment (read in a fresh interpreter with MEDIA_STORAGE=s3).
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import trimesh
from django.contrib.auth.models import User
from django.test import Client
from moto.server import ThreadedMotoServer

from arena.models import Annotator, Asset, Battle, Generator, Prompt, Status
from metrics.services import asset_metrics_compute
from renderer import workers
from renderer.runtime.pool import RenderPool
from renderer.services import asset_render
from renderer.uploads import asset_upload
from tests.conftest import ROOT

BUCKET = "arena-media"
CUBE = "import bpy\nbpy.ops.mesh.primitive_cube_add(size=2)\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def s3_storages(s3_endpoint: str) -> dict[str, Any]:
    """STORAGES exactly as the settings module builds it from a MEDIA_STORAGE=s3 environment."""
    env = {
        **os.environ,
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "arena-test-key",
        "AWS_SECRET_ACCESS_KEY": "arena-test-secret",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    code = "import json; from config import settings; print(json.dumps(settings.STORAGES))"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def bucket(s3_endpoint: str, s3_storages: dict[str, Any], settings, media_root: Path) -> Any:  # type: ignore[no-untyped-def]
    """An empty bucket, and Django's default storage pointed at it."""
    options = s3_storages["default"]["OPTIONS"]
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = s3_storages
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def warm_pool(render_pool: RenderPool) -> Iterator[RenderPool]:
    workers._pool = render_pool
    yield render_pool
    workers._pool = None


def keys(client: Any) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def read(client: Any, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()  # type: ignore[no-any-return]


def test_it_reads_the_object_store_settings_from_the_environment(s3_storages: dict[str, Any], s3_endpoint) -> None:
    default = s3_storages["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == BUCKET and default["OPTIONS"]["endpoint_url"] == s3_endpoint
    assert default["OPTIONS"]["querystring_auth"] is True and default["OPTIONS"]["default_acl"] is None
    assert default["OPTIONS"]["access_key"] == "arena-test-key" and default["OPTIONS"]["addressing_style"] == "path"
    assert s3_storages["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_it_keeps_the_file_system_as_the_default() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import json; from config import settings; print(json.dumps(settings.STORAGES))"],
        env={k: v for k, v in os.environ.items() if k != "MEDIA_STORAGE"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


@pytest.mark.slow
@pytest.mark.django_db
def test_it_renders_scores_and_serves_an_asset_through_the_object_store(
    bucket: Any, warm_pool: RenderPool, media_root: Path, client: Client
) -> None:
    prompt = Prompt.objects.create(slug="cube", text="A cube")
    reference = Asset.objects.create(prompt=prompt, is_reference=True, source_code=CUBE)
    box = trimesh.creation.box(extents=(2.0, 2.0, 2.0)).export(file_type="glb")
    output = asset_upload(
        prompt=prompt, generator_name="Orion-Hidden-5", name="cube.glb", size=len(box), content=io.BytesIO(box)
    )
    assert read(bucket, f"sources/{output.public_id}.glb") == box  # the source went to the bucket

    for asset in (reference, output):  # the render worker reads its input from the bucket, writes back to it
        rendered = asset_render(asset_id=asset.id)
        assert rendered is not None and rendered.status == Status.OK, rendered and rendered.error
    output.refresh_from_db()
    for asset in (reference, output):
        prefix = f"assets/{asset.public_id}/"
        assert {k for k in keys(bucket) if k.startswith(prefix)} == {
            f"{prefix}model.glb",
            f"{prefix}mesh.glb",
            f"{prefix}view_045.png",
        }
    assert not media_root.exists() or not any(media_root.rglob("*"))  # nothing on the local disk
    assert all("Orion" not in key for key in keys(bucket))
    mesh = trimesh.load(io.BytesIO(read(bucket, output.mesh.name)), file_type="glb", force="mesh")
    assert mesh.extents == pytest.approx([2, 2, 2], abs=1e-4)

    # Metrics read the meshes and views back out of the bucket.
    values = {row.name: row.value for row in asset_metrics_compute(asset_id=output.id)}
    assert values["executability"] == 1.0
    assert values["chamfer"] is not None and values["chamfer"] < 1e-3
    assert values["silhouette_iou"] is not None and values["silhouette_iou"] > 0.95

    # The annotator gets the battle's files streamed by the web server, under battle-scoped names.
    user = User.objects.create_user("annotator", password="x-long-password")
    client.force_login(user)
    battle = Battle.objects.create(
        prompt=prompt,
        asset_a=reference,
        asset_b=output,
        annotator=Annotator.objects.create(user=user),
        strategy="uniform",
    )
    glb = client.get(f"/arena/b/{battle.public_id}/b.glb")
    body = b"".join(glb.streaming_content)
    assert glb.status_code == 200 and glb["Content-Type"] == "model/gltf-binary"
    assert body == read(bucket, output.glb.name) and b"Orion" not in body
    headers = str(glb.headers)
    assert output.public_id not in headers and "Orion" not in headers and "Location" not in headers
    view = client.get(f"/arena/b/{battle.public_id}/b/0.png")
    assert view["Content-Type"] == "image/png" and b"".join(view.streaming_content) == read(bucket, output.views[0])
    assert glb["Content-Disposition"] == 'inline; filename="b.glb"'
    assert client.get(f"/arena/b/{battle.public_id}/b/7.png").status_code == 404
    bucket.delete_object(Bucket=BUCKET, Key=output.glb.name)  # lost from the store: a 404, not a 500
    assert client.get(f"/arena/b/{battle.public_id}/b.glb").status_code == 404


@pytest.mark.django_db
def test_it_links_media_on_staff_pages_through_short_lived_signed_urls(
    bucket: Any, s3_endpoint: str, client: Client
) -> None:
    prompt = Prompt.objects.create(slug="cube", text="A cube")
    asset = Asset.objects.create(
        prompt=prompt, generator=Generator.objects.create(name="g"), status=Status.OK, views=["assets/x/view_045.png"]
    )
    bucket.put_object(Bucket=BUCKET, Key="assets/x/view_045.png", Body=b"png")
    client.force_login(User.objects.create_user("staff", password="x-long-password", is_staff=True))
    page = client.get(f"/renders/asset/{asset.public_id}/").content.decode()
    assert f"{s3_endpoint}/{BUCKET}/assets/x/view_045.png?" in page and "X-Amz-Expires=300" in page
