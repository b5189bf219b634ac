"""Uploading image data into Glance through Perspective, streamed, in both regions."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from perspective.app import create_app
from perspective.settings import Settings
from tests.conftest import ALICE, API_TOKEN, REGIONS
from tests.support.glance import glance_images, unique_name  # noqa: F401 - fixture

R1, R2 = REGIONS
MiB = 1024 * 1024
LARGE_UPLOAD_BYTES = 150 * MiB
MAX_PEAK_GROWTH = 50 * MiB
SMALL_LIMIT = 64 * 1024
CONSOLE_SCRIPT = Path(sys.executable).parent / "perspective"


class SmallUploadSettings(Settings):
    """Settings with a small upload limit, for the limit tests."""

    image_upload_max_size: int = SMALL_LIMIT


def upload_url(project_ids, region: str, project: str = "dev") -> str:
    return f"/projects/{project_ids[project]}/regions/{region}/images"


def images_named(glance_images, region: str, name: str) -> list:
    """Return dev's images with this name; each is deleted after the test, should one be left."""
    found = list(glance_images.connection(region).image.images(name=name))
    for image in found:
        glance_images.adopt(region, image.id)
    return found


def generated_chunks(total: int, chunk_size: int, digests: list) -> Iterator[bytes]:
    """Yield `total` pseudo-random bytes, updating every hash object in `digests`."""
    generator = random.Random(total)
    sent = 0
    while sent < total:
        chunk = generator.randbytes(min(chunk_size, total - sent))
        for digest in digests:
            digest.update(chunk)
        sent += len(chunk)
        yield chunk


def peak_rss(pid: int) -> int:
    """Return the peak resident set size of a process (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")


@pytest.fixture
def small_limit_api(microcloud_config) -> Iterator[TestClient]:
    settings = SmallUploadSettings(api_tokens=[API_TOKEN], clouds={ALICE: {}})
    client = TestClient(create_app(settings, microcloud_config), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {API_TOKEN}"
    with client:
        yield client


@pytest.fixture
def served(clouds_yaml, tmp_path) -> Iterator[tuple[int, int]]:
    """Run `perspective serve` on a free loopback port; yield (port, pid)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = tmp_path / "perspective.yaml"
    settings.write_text(f"clouds:\n  {ALICE}:\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("OS_", "PERSPECTIVE_"))}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
    env["PERSPECTIVE_API_TOKENS"] = API_TOKEN
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(CONSOLE_SCRIPT), "serve", "--host", "127.0.0.1", "--port", str(port), "--config", str(settings)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while not _healthy(port):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "perspective serve did not answer /health within 30 s"
                time.sleep(0.2)
            yield port, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def _healthy(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False


def post_stream(port: int, path: str, body: Iterator[bytes], length: int) -> tuple[int, dict]:
    """POST a body from an iterator with a Content-Length, as a client streaming a file does."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {
        "Authorization": f"Bearer {API_TOKEN}",
        "Content-Type": "application/octet-stream",
        "Content-Length": str(length),
    }
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


@pytest.mark.parametrize("region", REGIONS)
def test_upload_with_content_length(api, project_ids, glance_images, region):
    data = os.urandom(300_000)
    name = unique_name("upload")
    params = {"name": name, "disk_format": "raw", "visibility": "private", "min_disk": 1, "tags": ["pt-a", "pt-b"]}
    response = api.post(upload_url(project_ids, region), params=params, content=data)
    assert response.status_code == 201, response.text
    body = response.json()
    glance_images.adopt(region, body["id"])

    assert body["region"] == region
    assert body["status"] == "active"
    assert response.headers["location"] == f"/projects/{project_ids['dev']}/images/{body['id']}"
    stored = glance_images.get(region, body["id"])
    assert stored.name == name
    assert stored.size == len(data)
    assert stored.checksum == hashlib.md5(data).hexdigest()
    assert stored.visibility == "private"
    assert stored.min_disk == 1
    assert sorted(stored.tags) == ["pt-a", "pt-b"]


def test_upload_chunked_body(api, project_ids, glance_images):
    digest = hashlib.sha512()
    chunks = list(generated_chunks(700_000, 65_536, [digest]))
    response = api.post(
        upload_url(project_ids, R2), params={"name": unique_name("chunked"), "disk_format": "raw"}, content=iter(chunks)
    )
    assert response.status_code == 201, response.text
    glance_images.adopt(R2, response.json()["id"])
    stored = glance_images.get(R2, response.json()["id"])
    assert stored.status == "active"
    assert stored.size == 700_000
    assert stored.hash_value == digest.hexdigest()


def test_upload_over_limit_by_length_413(small_limit_api, project_ids, glance_images):
    name = unique_name("toolarge")
    response = small_limit_api.post(
        upload_url(project_ids, R1), params={"name": name, "disk_format": "raw"}, content=b"x" * (SMALL_LIMIT + 1)
    )
    assert response.status_code == 413
    assert str(SMALL_LIMIT) in response.json()["detail"]
    assert images_named(glance_images, R1, name) == []


def test_chunked_upload_over_limit_leaves_no_image(small_limit_api, project_ids, glance_images):
    name = unique_name("toolarge-chunked")
    chunks = iter([b"y" * 16_384] * 8)
    response = small_limit_api.post(
        upload_url(project_ids, R2), params={"name": name, "disk_format": "raw"}, content=chunks
    )
    assert response.status_code == 413
    assert images_named(glance_images, R2, name) == []


def test_upload_at_limit_accepted(small_limit_api, project_ids, glance_images):
    response = small_limit_api.post(
        upload_url(project_ids, R1),
        params={"name": unique_name("at-limit"), "disk_format": "raw"},
        content=b"z" * SMALL_LIMIT,
    )
    assert response.status_code == 201, response.text
    glance_images.adopt(R1, response.json()["id"])
    assert response.json()["size"] == SMALL_LIMIT


def test_upload_invalid_disk_format_leaves_no_image(api, project_ids, glance_images):
    name = unique_name("badformat")
    response = api.post(upload_url(project_ids, R1), params={"name": name, "disk_format": "floppy"}, content=b"x" * 10)
    assert response.status_code == 400
    assert "floppy" in response.json()["detail"]
    assert images_named(glance_images, R1, name) == []


def test_upload_unknown_region_404(api, project_ids):
    response = api.post(upload_url(project_ids, "Atlantis"), params={"name": "x", "disk_format": "raw"}, content=b"x")
    assert response.status_code == 404
    assert "Atlantis" in response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"disk_format": "raw"},
        {"name": "x"},
        {"name": "x", "disk_format": "raw", "visibility": "everyone"},
        {"name": "x", "disk_format": "raw", "min_ram": -1},
        {"name": "x", "disk_format": "raw", "colour": "red"},
    ],
)
def test_upload_invalid_metadata_422(api, project_ids, params):
    response = api.post(upload_url(project_ids, R1), params=params, content=b"x")
    assert response.status_code == 422


def test_large_upload_memory_stays_flat(served, project_ids, glance_images):
    port, pid = served
    path = upload_url(project_ids, R1)

    # A small upload first, so that the baseline includes every code path the large one runs.
    status, warm = post_stream(port, f"{path}?name={unique_name('warmup')}&disk_format=raw", iter([b"w" * 4096]), 4096)
    assert status == 201, warm
    glance_images.adopt(R1, warm["id"])

    before = peak_rss(pid)
    md5, sha512 = hashlib.md5(), hashlib.sha512()
    body = generated_chunks(LARGE_UPLOAD_BYTES, MiB, [md5, sha512])
    started = time.monotonic()
    status, image = post_stream(port, f"{path}?name={unique_name('large')}&disk_format=raw", body, LARGE_UPLOAD_BYTES)
    elapsed = time.monotonic() - started
    after = peak_rss(pid)
    assert status == 201, image
    glance_images.adopt(R1, image["id"])

    growth = after - before
    print(
        f"\nupload of {LARGE_UPLOAD_BYTES / MiB:.0f} MiB in {elapsed:.1f} s;"
        f" server peak RSS {before / MiB:.1f} MiB -> {after / MiB:.1f} MiB (+{growth / MiB:.1f} MiB)"
    )
    assert growth < MAX_PEAK_GROWTH, f"peak RSS grew by {growth / MiB:.1f} MiB"

    stored = glance_images.get(R1, image["id"])
    assert stored.status == "active"
    assert stored.size == LARGE_UPLOAD_BYTES
    assert stored.checksum == md5.hexdigest()
    assert stored.hash_algo == "sha512"
    assert stored.hash_value == sha512.hexdigest()


def test_client_disconnect_leaves_no_image(served, project_ids, glance_images):
    port, _ = served
    name = unique_name("disconnect")
    path = f"{upload_url(project_ids, R2)}?name={name}&disk_format=raw"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {API_TOKEN}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {10 * MiB}\r\n\r\n"
        )
        sock.sendall(head.encode())
        sock.sendall(b"d" * MiB)
        # Wait until Glance has the image record, so the disconnect interrupts a running upload.
        deadline = time.monotonic() + 30
        while not images_named(glance_images, R2, name):
            assert time.monotonic() < deadline, "the upload never created its image"
            time.sleep(0.2)

    deadline = time.monotonic() + 30
    while images_named(glance_images, R2, name):
        assert time.monotonic() < deadline, "the image of the interrupted upload was not deleted"
        time.sleep(0.2)
