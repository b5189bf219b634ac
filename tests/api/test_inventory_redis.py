"""Two replicas on one Redis: one lease holder per scope, the same items on both.

Needs Redis on 127.0.0.1:6379. Every key lives under a prefix of its own
and is deleted when the module ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from perspective.app import create_app
from perspective.openstack import Scope
from perspective.settings import Settings
from tests.api.inventory_support import PREFIX, create_server, delete_servers, unique_name, wait_for
from tests.conftest import ALICE, API_TOKEN

REDIS_URL = "redis://127.0.0.1:6379/0"
REGION = "RegionOne"


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    prefix = f"pt-inv-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(REDIS_URL)
    yield prefix
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def replicas(microcloud_config, redis_prefix) -> Iterator[list[TestClient]]:
    inventory = {
        "backend": "redis",
        "redis_url": REDIS_URL,
        "redis_prefix": redis_prefix,
        "startup": "on_demand",
        "sync_interval": 1,
        "lease_ttl": 5,
        "images": False,
        "first_sync_wait": 30,
    }
    settings = Settings(api_tokens=[API_TOKEN], clouds={ALICE: {}}, inventory=inventory)
    clients = []
    for _ in range(2):
        client = TestClient(create_app(settings, microcloud_config), raise_server_exceptions=False)
        client.headers["Authorization"] = f"Bearer {API_TOKEN}"
        client.__enter__()
        clients.append(client)
    yield clients
    for client in clients:
        client.__exit__(None, None, None)


def listed(client: TestClient, dev: str) -> dict[str, dict]:
    response = client.get(f"/projects/{dev}/regions/{REGION}/instances", params={"name": PREFIX})
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def test_one_replica_holds_scope_lease(replicas, project_ids, redis_prefix):
    dev = project_ids["dev"]
    for client in replicas:
        listed(client, dev)
    scope = Scope(ALICE, REGION, dev)
    leases = [client.app.state.inventory.leases for client in replicas]
    holder = redis.Redis.from_url(REDIS_URL).get(leases[0].key("instance", scope))
    assert holder is not None
    assert holder.decode() in {lease.owner for lease in leases}
    held = [lease.hold("instance", scope) for lease in leases]
    assert sorted(held) == [False, True]


def test_replicas_serve_same_items(replicas, project_ids, sdk):
    dev = project_ids["dev"]
    alice = sdk(ALICE, REGION, dev)
    server = create_server(alice, unique_name("redis"))
    try:
        for client in replicas:
            wait_for(lambda client=client: server.id in listed(client, dev), f"instance {server.id} on a replica")
        first, second = (listed(client, dev)[server.id] for client in replicas)
        assert first["id"] == second["id"]
        assert first["name"] == second["name"]
    finally:
        delete_servers(alice, [server.id])
    for client in replicas:
        wait_for(lambda client=client: server.id not in listed(client, dev), f"instance {server.id} gone on a replica")


def test_takeover_after_holder_stops(replicas, project_ids, redis_prefix):
    dev = project_ids["dev"]
    scope = Scope(ALICE, REGION, dev)
    inventories = [client.app.state.inventory for client in replicas]
    holder = next(inv for inv in inventories if inv.leases.hold("instance", scope))
    other = next(inv for inv in inventories if inv is not holder)

    holder.stop()
    # Stopping releases the lease, so the other replica takes the scope at its next sync.
    wait_for(lambda: other.leases.hold("instance", scope), "the other replica to take the lease", timeout=15)
    holder.start()
