"""`GET /events` streams the inventory's instance and image changes; images come from the inventory."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from perspective.app import create_app
from perspective.settings import Settings
from tests.api.inventory_support import (
    PREFIX,
    create_server,
    delete_servers,
    unique_name,
    wait_for,
)
from tests.conftest import ALICE, API_TOKEN
from tests.support.live_server import live_server

REGION = "RegionOne"


@pytest.fixture(scope="module")
def dev(project_ids) -> str:
    return project_ids["dev"]


@pytest.fixture(scope="module")
def alice(sdk, dev):
    return sdk(ALICE, REGION, dev)


@pytest.fixture(scope="module")
def base_url(microcloud_config) -> Iterator[str]:
    # A full resync every 3 s, because only a full list finds deleted images.
    inventory = {
        "startup": "on_demand",
        "sync_interval": 1,
        "lease_ttl": 5,
        "full_resync_interval": 3,
        "heartbeat_interval": 1,
        "first_sync_wait": 30,
    }
    settings = Settings(api_tokens=[API_TOKEN], clouds={ALICE: {}}, inventory=inventory)
    with live_server(create_app(settings, microcloud_config)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=60) as http:
        yield http


class EventReader:
    """Reads `GET /events` in a thread and keeps every event and comment it receives."""

    def __init__(self, base_url: str, params: dict | None = None) -> None:
        self.events: list[dict] = []
        self.comments: list[str] = []
        self._stop = threading.Event()
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=httpx.Timeout(10)
        )
        self._thread = threading.Thread(target=self._read, args=(params or {},), daemon=True)
        self.status: int | None = None
        self._thread.start()
        wait_for(lambda: self.comments, "the stream's first comment", timeout=30)

    def _read(self, params: dict) -> None:
        with self._http.stream("GET", "/events", params=params) as response:
            self.status = response.status_code
            event: dict = {}
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith(":"):
                    self.comments.append(line)
                elif line.startswith(("id:", "event:", "data:")):
                    field, _, value = line.partition(":")
                    event[field] = value.strip()
                elif line == "" and event:
                    event["data"] = json.loads(event["data"])
                    self.events.append(event)
                    event = {}

    def find(self, name: str, resource_id: str) -> dict | None:
        return next((e for e in self.events if e["event"] == name and e["data"]["id"] == resource_id), None)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)
        self._http.close()


def list_instances(client, dev: str) -> dict[str, dict]:
    response = client.get(f"/projects/{dev}/regions/{REGION}/instances", params={"name": PREFIX})
    return {item["id"]: item for item in response.json()["items"]}


def list_images(client, dev: str, name: str) -> dict[str, dict]:
    response = client.get(f"/projects/{dev}/images", params={"name": name})
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def test_events_need_token(base_url):
    response = httpx.get(f"{base_url}/events", timeout=10)
    assert response.status_code == 401


def test_events_unknown_project_404(client):
    response = client.get("/events", params={"project": "no-such-project"})
    assert response.status_code == 404


def test_events_instance_created_and_deleted(base_url, client, alice, dev):
    list_instances(client, dev)
    reader = EventReader(base_url, {"project": dev})
    server_ids: list[str] = []
    try:
        server = create_server(alice, unique_name("events"))
        server_ids.append(server.id)
        created = wait_for(lambda: reader.find("instance.created", server.id), "an instance.created event")
        assert created["data"]["cloud"] == ALICE
        assert created["data"]["region"] == REGION
        assert created["data"]["project_id"] == dev

        alice.compute.delete_server(server.id)
        deleted = wait_for(lambda: reader.find("instance.deleted", server.id), "an instance.deleted event")
        assert deleted["data"]["status"] == "DELETED"
        assert int(deleted["id"]) > int(created["id"])
        assert reader.status == 200
    finally:
        reader.close()
        delete_servers(alice, server_ids)


def test_events_send_heartbeats(base_url):
    reader = EventReader(base_url)
    try:
        wait_for(lambda: ": heartbeat" in reader.comments, "a heartbeat comment", timeout=10)
    finally:
        reader.close()


def test_events_resume_after_last_event_id(base_url, client, alice, dev):
    list_instances(client, dev)
    reader = EventReader(base_url, {"project": dev})
    server_ids: list[str] = []
    try:
        server = create_server(alice, unique_name("resume"))
        server_ids.append(server.id)
        created = wait_for(lambda: reader.find("instance.created", server.id), "an instance.created event")
    finally:
        reader.close()

    before = str(int(created["id"]) - 1)
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10) as http:
        with http.stream("GET", "/events", headers={"Last-Event-ID": before}) as response:
            ids = []
            for line in response.iter_lines():
                if line.startswith("id:"):
                    ids.append(line.partition(":")[2].strip())
                    break
    delete_servers(alice, server_ids)
    assert ids == [created["id"]]


def test_image_list_from_inventory(client, alice, dev):
    name = unique_name("image")
    list_images(client, dev, name)
    image = alice.image.create_image(name=name, disk_format="raw", container_format="bare", visibility="private")
    try:
        wait_for(lambda: image.id in list_images(client, dev, name), f"image {image.id} in the list")
        body = client.get(f"/projects/{dev}/images", params={"name": name}).json()
        assert body["data_age"] is not None
    finally:
        alice.image.delete_image(image.id, ignore_missing=True)
    wait_for(lambda: image.id not in list_images(client, dev, name), f"image {image.id} gone from the list")


def test_image_fresh_lists_new_image_at_once(client, alice, dev):
    name = unique_name("image-fresh")
    image = alice.image.create_image(name=name, disk_format="raw", container_format="bare", visibility="private")
    try:
        response = client.get(f"/projects/{dev}/images", params={"name": name, "fresh": "true"})
        assert image.id in {item["id"] for item in response.json()["items"]}
        assert response.json()["data_age"] == 0
    finally:
        alice.image.delete_image(image.id, ignore_missing=True)


def test_image_events_created_and_deleted(base_url, client, alice, dev):
    name = unique_name("image-events")
    list_images(client, dev, name)
    reader = EventReader(base_url, {"project": dev})
    try:
        image = alice.image.create_image(name=name, disk_format="raw", container_format="bare", visibility="private")
        try:
            wait_for(lambda: reader.find("image.created", image.id), "an image.created event")
        finally:
            alice.image.delete_image(image.id, ignore_missing=True)
        wait_for(lambda: reader.find("image.deleted", image.id), "an image.deleted event")
    finally:
        reader.close()
