"""Instance lists served from the synced inventory, `fresh=true`, data age and refresh."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from perspective.app import create_app
from perspective.openstack import Scope
from perspective.services.inventory import REFRESH_BY_ID
from perspective.settings import Settings
from tests.api.instance_support import settle
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


def inventory_settings(**inventory) -> Settings:
    values = {"startup": "on_demand", "first_sync_wait": 30, **inventory}
    return Settings(api_tokens=[API_TOKEN], clouds={ALICE: {}}, inventory=values)


@pytest.fixture(scope="module")
def dev(project_ids) -> str:
    return project_ids["dev"]


@pytest.fixture(scope="module")
def alice(sdk, dev):
    return sdk(ALICE, REGION, dev)


@pytest.fixture(scope="module")
def servers(alice) -> Iterator[list[str]]:
    """Ids of the servers a test created; all deleted when the module ends."""
    created: list[str] = []
    yield created
    delete_servers(alice, created)


@pytest.fixture(scope="module")
def base_url(microcloud_config) -> Iterator[str]:
    """A live Perspective whose inventory syncs every second."""
    settings = inventory_settings(sync_interval=1, lease_ttl=5, images=False)
    with live_server(create_app(settings, microcloud_config)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=60) as http:
        yield http


@pytest.fixture(scope="module")
def slow(microcloud_config) -> Iterator[TestClient]:
    """A Perspective whose inventory syncs once, so only `refresh` changes it afterwards."""
    settings = inventory_settings(sync_interval=3600, lease_ttl=7200, images=False)
    app = create_app(settings, microcloud_config)
    test_client = TestClient(app, raise_server_exceptions=False)
    test_client.headers["Authorization"] = f"Bearer {API_TOKEN}"
    with test_client:
        yield test_client


@pytest.fixture(scope="module")
def slow_live(microcloud_config) -> Iterator[httpx.Client]:
    """A client of a live Perspective whose inventory syncs once, served over real HTTP.

    The test client runs background tasks before it returns the response,
    so only a real server shows what a client sees right after a response.
    """
    settings = inventory_settings(sync_interval=3600, lease_ttl=7200, images=False)
    with live_server(create_app(settings, microcloud_config)) as url:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=120) as http:
            yield http


def listed(http, dev: str, **params) -> dict[str, dict]:
    response = http.get(f"/projects/{dev}/regions/{REGION}/instances", params={"name": PREFIX, **params})
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def test_created_server_appears_after_sync(client, alice, servers, dev):
    listed(client, dev)
    server = create_server(alice, unique_name("appear"))
    servers.append(server.id)
    wait_for(lambda: server.id in listed(client, dev), f"instance {server.id} in the inventory list")


def test_fresh_lists_new_server_at_once(client, alice, servers, dev):
    server = create_server(alice, unique_name("fresh"))
    servers.append(server.id)
    response = client.get(
        f"/projects/{dev}/regions/{REGION}/instances", params={"name": PREFIX, "fresh": "true"}
    )
    assert response.status_code == 200
    assert server.id in {item["id"] for item in response.json()["items"]}
    assert response.json()["data_age"] == 0
    assert response.headers["Age"] == "0"


def test_data_age_reported(client, dev):
    listed(client, dev)
    response = client.get(f"/projects/{dev}/regions/{REGION}/instances")
    body = response.json()
    assert body["data_age"] is not None
    # Syncs run every second; a few seconds covers a loaded test machine.
    assert 0 <= body["data_age"] < 15
    assert int(response.headers["Age"]) == int(body["data_age"])


def test_project_list_reports_age(client, dev):
    listed(client, dev)
    body = client.get(f"/projects/{dev}/instances").json()
    assert body["data_age"] is not None
    assert body["errors"] == []


def test_paused_server_status_updates(client, alice, servers, dev):
    server = create_server(alice, unique_name("pause"))
    servers.append(server.id)
    settle(alice, server.id, "ACTIVE")
    alice.compute.pause_server(server.id)
    wait_for(
        lambda: listed(client, dev).get(server.id, {}).get("status") == "PAUSED",
        f"instance {server.id} PAUSED in the inventory list",
    )


def test_deleted_server_disappears(client, alice, servers, dev):
    server = create_server(alice, unique_name("delete"))
    servers.append(server.id)
    wait_for(lambda: server.id in listed(client, dev), f"instance {server.id} in the list")
    alice.compute.delete_server(server.id)
    wait_for(lambda: server.id not in listed(client, dev), f"instance {server.id} gone from the list")


def test_refresh_updates_at_once(slow, alice, servers, dev):
    server = create_server(alice, unique_name("refresh"))
    servers.append(server.id)
    settle(alice, server.id, "ACTIVE")
    # The first list loads the scope; the inventory syncs it again only in an hour.
    assert listed(slow, dev)[server.id]["status"] == "ACTIVE"

    alice.compute.pause_server(server.id)
    settle(alice, server.id, "PAUSED")
    assert listed(slow, dev)[server.id]["status"] == "ACTIVE"

    slow.app.state.inventory.refresh(Scope(ALICE, REGION, dev), [server.id])
    assert listed(slow, dev)[server.id]["status"] == "PAUSED"


def test_refresh_drops_deleted_server(slow, alice, servers, dev):
    server = create_server(alice, unique_name("refresh-del"))
    servers.append(server.id)
    settle(alice, server.id, "ACTIVE")
    slow.app.state.inventory.refresh(Scope(ALICE, REGION, dev), [server.id])
    assert server.id in listed(slow, dev)

    alice.compute.delete_server(server.id)
    wait_for(lambda: alice.compute.find_server(server.id) is None, f"Nova to delete {server.id}")
    slow.app.state.inventory.refresh(Scope(ALICE, REGION, dev), [server.id])
    assert server.id not in listed(slow, dev)


def test_refresh_of_many_reads_one_change_list(slow, alice, servers, dev):
    # More ids than REFRESH_BY_ID take the changes-since path.
    created = [create_server(alice, unique_name("refresh-many")).id for _ in range(REFRESH_BY_ID + 1)]
    servers.extend(created)
    for server_id in created:
        settle(alice, server_id, "ACTIVE")
    slow.app.state.inventory.refresh(Scope(ALICE, REGION, dev), created)
    assert all(listed(slow, dev)[server_id]["status"] == "ACTIVE" for server_id in created)

    for server_id in created:
        alice.compute.pause_server(server_id)
    alice.compute.delete_server(created[0])
    for server_id in created[1:]:
        settle(alice, server_id, "PAUSED")
    wait_for(lambda: alice.compute.find_server(created[0]) is None, f"Nova to delete {created[0]}")

    slow.app.state.inventory.refresh(Scope(ALICE, REGION, dev), created)
    now = listed(slow, dev)
    assert created[0] not in now
    assert [now[server_id]["status"] for server_id in created[1:]] == ["PAUSED"] * REFRESH_BY_ID


def test_bulk_action_on_inventory_ids(slow, alice, servers, dev):
    base = f"/projects/{dev}/regions/{REGION}/instances"
    alive = create_server(alice, unique_name("vouched"))
    deleted = create_server(alice, unique_name("vouched-deleted"))
    servers.extend([alive.id, deleted.id])
    settle(alice, alive.id, "ACTIVE")
    settle(alice, deleted.id, "ACTIVE")
    slow.app.state.inventory.refresh(Scope(ALICE, REGION, dev), [alive.id, deleted.id])
    assert {alive.id, deleted.id} <= set(listed(slow, dev))

    # Deleted behind the inventory's back: it still vouches for the id, so
    # Nova's own 404 on the action must come back as this id's not found.
    alice.compute.delete_server(deleted.id)
    wait_for(lambda: alice.compute.find_server(deleted.id) is None, f"Nova to delete {deleted.id}")
    response = slow.put(f"{base}/pause", json={"ids": [alive.id, deleted.id]})
    assert response.status_code == 207, response.text
    results = {result["id"]: result for result in response.json()["results"]}
    assert results[alive.id]["status"] == 202
    assert results[deleted.id]["status"] == 404
    assert results[deleted.id]["detail"] == f"instance {deleted.id} not found in cloud {ALICE} region {REGION} project {dev}"
    settle(alice, alive.id, "PAUSED")


def test_launch_listed_right_after_202(slow_live, alice, servers, dev):
    base = f"/projects/{dev}/regions/{REGION}/instances"
    slow_live.get(base).raise_for_status()  # loads the scope; the next sync is an hour away

    launched = slow_live.post(
        base, json={"name": unique_name("listed"), "flavor": "m1.nano", "image": "cirros-raw", "networks": ["dev-net"]}
    )
    assert launched.status_code == 202, launched.text
    server_id = launched.json()["results"][0]["id"]
    servers.append(server_id)
    assert server_id in listed(slow_live, dev)


def test_inventory_list_keeps_filters(slow, alice, servers, dev):
    server = create_server(alice, unique_name("filter"))
    servers.append(server.id)
    settle(alice, server.id, "ACTIVE")
    slow.app.state.inventory.refresh(Scope(ALICE, REGION, dev), [server.id])
    matching = listed(slow, dev, status="ACTIVE", sort="name", limit=1000)
    assert server.id in matching
    assert all(item["status"] == "ACTIVE" for item in matching.values())
    assert server.id not in listed(slow, dev, status="SHUTOFF")


def test_actions_through_api_refresh_inventory(slow, alice, servers, dev):
    base = f"/projects/{dev}/regions/{REGION}/instances"
    slow.get(base)  # loads the scope; the next sync is an hour away

    launched = slow.post(
        base,
        params={"wait": "true"},
        json={"name": unique_name("action"), "flavor": "m1.nano", "image": "cirros-raw", "networks": ["dev-net"]},
    )
    assert launched.status_code == 201, launched.text
    server_id = launched.json()["results"][0]["id"]
    servers.append(server_id)
    # Only the refreshes that the launch and the pause schedule after their
    # responses can show these changes before the next sync.
    assert listed(slow, dev)[server_id]["status"] == "ACTIVE"

    paused = slow.put(f"{base}/pause", params={"wait": "true"}, json={"ids": [server_id]})
    assert paused.status_code == 200, paused.text
    assert listed(slow, dev)[server_id]["status"] == "PAUSED"
