"""Every bulk action on a mix of ids: a good one, an unknown one, a locked one and
one in the wrong state, with a bystander instance that no request names.

Each test checks every per-id result, and in Nova that only the good
instance changed. The actions alternate between the two regions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.api.instance_support import (
    PREFIX,
    UNKNOWN_ID,
    admin_sdk,  # noqa: F401 - fixture
    by_id,
    created,  # noqa: F401 - fixture
    instances_path,
    is_gone,
    launch,  # noqa: F401 - fixture
    put_in_state,
    settle,
)
from tests.conftest import ALICE, REGIONS

R1, R2 = REGIONS
WAIT = {"wait": "true", "timeout": 60}


@dataclass
class Fleet:
    region: str
    good: str
    locked: str
    wrong: str
    bystander: str
    connection: object
    admin: object

    def ids(self) -> list[str]:
        return [self.good, UNKNOWN_ID, self.locked, self.wrong]

    def server(self, server_id: str):
        return self.connection.compute.get_server(server_id)


@pytest.fixture(scope="module")
def fleets(launch, project_ids, sdk, admin_sdk) -> dict[str, Fleet]:
    fleets = {}
    for region in REGIONS:
        ids = launch(project_ids["dev"], region, f"mix-{region}", count=4)
        fleets[region] = Fleet(region, *ids, sdk(ALICE, region, project_ids["dev"]), admin_sdk(region))
    return fleets


@pytest.fixture
def arrange(fleets):
    """Put a region's fleet in the given states; the locked instance is also locked."""

    def run(region: str, good: str = "ACTIVE", locked: str = "ACTIVE", wrong: str = "ACTIVE") -> Fleet:
        fleet = fleets[region]
        put_in_state(fleet.connection, fleet.admin, fleet.good, good)
        put_in_state(fleet.connection, fleet.admin, fleet.locked, locked, locked=True)
        put_in_state(fleet.connection, fleet.admin, fleet.wrong, wrong)
        put_in_state(fleet.connection, fleet.admin, fleet.bystander, "ACTIVE")
        return fleet

    return run


@pytest.fixture
def send(api, project_ids):
    def run(method: str, fleet: Fleet, action: str, wait: bool = True, **body):
        path = instances_path(project_ids["dev"], fleet.region, f"/{action}" if action else "")
        return api.request(method, path, params=WAIT if wait else {}, json={"ids": fleet.ids(), **body})

    return run


def assert_unknown_and_bystander(results: dict, fleet: Fleet) -> None:
    assert results[UNKNOWN_ID]["status"] == 404
    assert UNKNOWN_ID in results[UNKNOWN_ID]["detail"]
    bystander = fleet.server(fleet.bystander)
    assert bystander.status == "ACTIVE"
    assert bystander.is_locked is False
    assert bystander.tags == []


def assert_locked_rejected(results: dict, fleet: Fleet, status: str) -> None:
    assert results[fleet.locked]["status"] == 409
    assert "locked" in results[fleet.locked]["detail"]
    server = fleet.server(fleet.locked)
    assert server.status == status
    assert server.is_locked is True


def assert_wrong_state_rejected(results: dict, fleet: Fleet, status: str, nova_state: str) -> None:
    assert results[fleet.wrong]["status"] == 409
    assert f"vm_state {nova_state}" in results[fleet.wrong]["detail"]
    assert fleet.server(fleet.wrong).status == status


def test_pause_mixed(arrange, send, api, project_ids):
    fleet = arrange(R1, wrong="SHUTOFF")
    # The good id twice, in two spellings: it is acted on once.
    path = instances_path(project_ids["dev"], R1, "/pause")
    response = api.put(path, params=WAIT, json={"ids": fleet.ids() + [fleet.good.upper()]})
    results = by_id(response)
    assert response.status_code == 207
    assert len(response.json()["results"]) == 4
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).status == "PAUSED"
    assert_locked_rejected(results, fleet, "ACTIVE")
    assert_wrong_state_rejected(results, fleet, "SHUTOFF", "stopped")
    assert_unknown_and_bystander(results, fleet)


def test_suspend_mixed(arrange, send):
    fleet = arrange(R2, wrong="PAUSED")
    response = send("PUT", fleet, "suspend")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).status == "SUSPENDED"
    assert_locked_rejected(results, fleet, "ACTIVE")
    assert_wrong_state_rejected(results, fleet, "PAUSED", "paused")
    assert_unknown_and_bystander(results, fleet)


def test_resume_mixed(arrange, send):
    fleet = arrange(R1, good="SUSPENDED", locked="PAUSED", wrong="ACTIVE")
    response = send("PUT", fleet, "resume")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).status == "ACTIVE"
    assert_locked_rejected(results, fleet, "PAUSED")
    assert results[fleet.wrong]["status"] == 409
    assert "is ACTIVE; resume applies to a SUSPENDED or PAUSED instance" in results[fleet.wrong]["detail"]
    assert fleet.server(fleet.wrong).status == "ACTIVE"
    assert_unknown_and_bystander(results, fleet)


def test_shutdown_mixed(arrange, send):
    fleet = arrange(R2, wrong="SHUTOFF")
    response = send("PUT", fleet, "shutdown")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).status == "SHUTOFF"
    assert_locked_rejected(results, fleet, "ACTIVE")
    assert_wrong_state_rejected(results, fleet, "SHUTOFF", "stopped")
    assert_unknown_and_bystander(results, fleet)


def test_start_mixed(arrange, send):
    fleet = arrange(R1, good="SHUTOFF", locked="SHUTOFF", wrong="ACTIVE")
    response = send("PUT", fleet, "start")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).status == "ACTIVE"
    assert_locked_rejected(results, fleet, "SHUTOFF")
    assert_wrong_state_rejected(results, fleet, "ACTIVE", "active")
    assert_unknown_and_bystander(results, fleet)


def test_soft_reboot_mixed(arrange, send):
    fleet = arrange(R2, wrong="SHUTOFF")
    response = send("PUT", fleet, "reboot", type="SOFT")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).status == "ACTIVE"
    assert_locked_rejected(results, fleet, "ACTIVE")
    assert_wrong_state_rejected(results, fleet, "SHUTOFF", "stopped")
    assert_unknown_and_bystander(results, fleet)


def test_resize_mixed(arrange, send):
    fleet = arrange(R1, wrong="PAUSED")
    response = send("PUT", fleet, "resize", flavor="m1.micro", confirm=True)
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200, results[fleet.good]
    assert fleet.server(fleet.good).flavor.original_name == "m1.micro"
    assert fleet.server(fleet.good).status == "ACTIVE"
    assert_locked_rejected(results, fleet, "ACTIVE")
    assert_wrong_state_rejected(results, fleet, "PAUSED", "paused")
    for server_id in (fleet.locked, fleet.wrong, fleet.bystander):
        assert fleet.server(server_id).flavor.original_name == "m1.nano"
    assert_unknown_and_bystander(results, fleet)


def test_resize_same_flavor_400(arrange, send):
    fleet = arrange(R2)
    response = send("PUT", fleet, "resize", flavor="m1.nano")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 400
    assert "flavor" in results[fleet.good]["detail"]
    assert fleet.server(fleet.good).status == "ACTIVE"


def resized(fleet: Fleet, *server_ids: str) -> None:
    """Resize instances to m1.tiny and wait for VERIFY_RESIZE; the caller locks them after."""
    for server_id in server_ids:
        fleet.connection.compute.unlock_server(server_id)
        fleet.connection.compute.resize_server(server_id, fleet.connection.compute.find_flavor("m1.tiny", ignore_missing=False).id)
    for server_id in server_ids:
        settle(fleet.connection, server_id, "VERIFY_RESIZE")


def test_confirm_resize_mixed(arrange, send):
    fleet = arrange(R2)
    resized(fleet, fleet.good, fleet.locked)
    fleet.connection.compute.lock_server(fleet.locked)
    response = send("PUT", fleet, "resize/confirm")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).status == "ACTIVE"
    assert fleet.server(fleet.good).flavor.original_name == "m1.tiny"
    assert_locked_rejected(results, fleet, "VERIFY_RESIZE")
    assert_wrong_state_rejected(results, fleet, "ACTIVE", "active")
    assert_unknown_and_bystander(results, fleet)


def test_revert_resize_mixed(arrange, send):
    fleet = arrange(R1)
    resized(fleet, fleet.good, fleet.locked)
    fleet.connection.compute.lock_server(fleet.locked)
    response = send("PUT", fleet, "resize/revert")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).status == "ACTIVE"
    assert fleet.server(fleet.good).flavor.original_name != "m1.tiny"
    assert_locked_rejected(results, fleet, "VERIFY_RESIZE")
    assert_wrong_state_rejected(results, fleet, "ACTIVE", "active")
    assert_unknown_and_bystander(results, fleet)


def test_rebuild_mixed(arrange, send):
    fleet = arrange(R2, wrong="PAUSED")
    image_id = fleet.connection.image.find_image("dev-private", ignore_missing=False).id
    response = send("PUT", fleet, "rebuild", image=image_id)
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.server(fleet.good).image.id == image_id
    assert_locked_rejected(results, fleet, "ACTIVE")
    assert_wrong_state_rejected(results, fleet, "PAUSED", "paused")
    assert fleet.server(fleet.locked).image.id != image_id
    assert_unknown_and_bystander(results, fleet)


def test_snapshot_mixed(arrange, send, created, project_ids):
    fleet = arrange(R1, wrong="ERROR")
    response = send("PUT", fleet, "snapshot", name=f"{PREFIX}-mixed-snap")
    results = by_id(response)
    created.images += [
        (project_ids["dev"], R1, result["image_id"]) for result in results.values() if result.get("image_id")
    ]
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert fleet.connection.image.get_image(results[fleet.good]["image_id"]).status == "active"
    # Nova lets a locked instance be snapshotted.
    assert results[fleet.locked]["status"] == 200
    assert results[fleet.wrong]["status"] == 409
    assert results[fleet.wrong]["image_id"] is None
    assert "vm_state error" in results[fleet.wrong]["detail"]
    assert_unknown_and_bystander(results, fleet)


def test_lock_mixed(arrange, send):
    fleet = arrange(R2, wrong="ERROR")
    response = send("PUT", fleet, "lock", wait=False, locked_reason="mixed")
    results = by_id(response)
    assert response.status_code == 207
    # Nova locks in any state, and locking a locked instance again succeeds.
    for server_id in (fleet.good, fleet.locked, fleet.wrong):
        assert results[server_id]["status"] == 200
        assert fleet.server(server_id).is_locked is True
    assert fleet.server(fleet.good).locked_reason == "mixed"
    assert_unknown_and_bystander(results, fleet)


def test_unlock_mixed(arrange, send):
    fleet = arrange(R1)
    response = send("PUT", fleet, "unlock", wait=False)
    results = by_id(response)
    assert response.status_code == 207
    for server_id in (fleet.good, fleet.locked, fleet.wrong):
        assert results[server_id]["status"] == 200
        assert fleet.server(server_id).is_locked is False
    assert_unknown_and_bystander(results, fleet)


def test_tag_add_mixed(arrange, send):
    fleet = arrange(R2, wrong="ERROR")
    response = send("POST", fleet, "tag", wait=False, tags=["mixed", "green"])
    results = by_id(response)
    assert response.status_code == 207
    assert sorted(results[fleet.good]["tags"]) == ["green", "mixed"]
    assert sorted(fleet.server(fleet.good).tags) == ["green", "mixed"]
    # Nova lets a locked instance be tagged.
    assert results[fleet.locked]["status"] == 200
    assert results[fleet.wrong]["status"] == 409
    assert "vm_state error" in results[fleet.wrong]["detail"]
    assert fleet.server(fleet.wrong).tags == []
    assert_unknown_and_bystander(results, fleet)
    for server_id in (fleet.good, fleet.locked):
        fleet.connection.compute.remove_tags_from_server(server_id)


def test_tag_remove_mixed(arrange, send, fleets):
    fleet = fleets[R1]
    for server_id in (fleet.good, fleet.wrong):
        put_in_state(fleet.connection, fleet.admin, server_id, "ACTIVE")
        fleet.connection.compute.add_tag_to_server(server_id, "gone")
        fleet.connection.compute.add_tag_to_server(server_id, "kept")
    fleet = arrange(R1, wrong="ERROR")
    response = send("DELETE", fleet, "tag", wait=False, tags=["gone"])
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert results[fleet.good]["tags"] == ["kept"]
    assert fleet.server(fleet.good).tags == ["kept"]
    # The locked instance never had the tag, so it is already removed.
    assert results[fleet.locked]["status"] == 200
    assert results[fleet.wrong]["status"] == 409
    assert sorted(fleet.server(fleet.wrong).tags) == ["gone", "kept"]
    assert_unknown_and_bystander(results, fleet)
    put_in_state(fleet.connection, fleet.admin, fleet.wrong, "ACTIVE")
    for server_id in (fleet.good, fleet.wrong):
        fleet.connection.compute.remove_tags_from_server(server_id)


def test_add_ip_mixed(arrange, api, project_ids, launch, created):
    fleet = arrange(R1)
    (portless,) = launch(project_ids["dev"], R1, "mix-portless", networks=[])
    ids = [fleet.good, UNKNOWN_ID, fleet.locked, portless]
    response = api.put(instances_path(project_ids["dev"], R1, "/ip"), json={"ids": ids, "network": "public"})
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert results[fleet.good]["allocated"] is True
    assert_locked_rejected(results, fleet, "ACTIVE")
    assert results[portless]["status"] == 409
    assert "no IPv4 fixed address" in results[portless]["detail"]
    assert_unknown_and_bystander(results, fleet)
    port = next(fleet.connection.network.ports(device_id=fleet.locked))
    assert list(fleet.connection.network.ips(port_id=port.id)) == []


def test_remove_ip_mixed(arrange, api, project_ids):
    fleet = arrange(R2)
    path = instances_path(project_ids["dev"], R2, "/ip")
    for server_id in (fleet.good, fleet.locked):
        put_in_state(fleet.connection, fleet.admin, server_id, "ACTIVE")
        assert api.put(path, json={"ids": [server_id]}).status_code == 200
    fleet.connection.compute.lock_server(fleet.locked)

    response = api.request("DELETE", path, json={"ids": fleet.ids()})
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert results[fleet.good]["removed"][0]["released"] is True
    assert_locked_rejected(results, fleet, "ACTIVE")
    assert results[fleet.wrong]["status"] == 404
    assert "does not have any floating IP" in results[fleet.wrong]["detail"]
    assert_unknown_and_bystander(results, fleet)
    locked_port = next(fleet.connection.network.ports(device_id=fleet.locked))
    assert len(list(fleet.connection.network.ips(port_id=locked_port.id))) == 1

    fleet.connection.compute.unlock_server(fleet.locked)
    assert api.request("DELETE", path, json={"ids": [fleet.locked]}).status_code == 200


def test_terminate_mixed(arrange, send):
    fleet = arrange(R2, wrong="ERROR")
    response = send("DELETE", fleet, "")
    results = by_id(response)
    assert response.status_code == 207
    assert results[fleet.good]["status"] == 200
    assert results[fleet.good]["instance_status"] == "DELETED"
    # Nova deletes an instance in ERROR too.
    assert results[fleet.wrong]["status"] == 200
    assert_locked_rejected(results, fleet, "ACTIVE")
    for server_id in (fleet.good, fleet.wrong):
        assert is_gone(fleet.connection.compute.get_server, server_id)
    assert_unknown_and_bystander(results, fleet)
