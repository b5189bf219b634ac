"""One instance per region driven through every action, checked in Nova after each.

The tests of this module run in order for each region: each one starts
from the state the previous one left.
"""

from __future__ import annotations

import pytest

from tests.api.instance_support import (
    PREFIX,
    admin_sdk,  # noqa: F401 - fixture
    created,  # noqa: F401 - fixture
    instances_path,
    is_gone,
    launch,  # noqa: F401 - fixture
    settle_image,
)
from tests.conftest import ALICE, REGIONS


@pytest.fixture(scope="module", params=REGIONS)
def subject(request, launch, project_ids, sdk):
    """(region, instance id, alice's connection to dev in that region)."""
    region = request.param
    (server_id,) = launch(project_ids["dev"], region, f"life-{region}")
    return region, server_id, sdk(ALICE, region, project_ids["dev"])


@pytest.fixture
def act(api, project_ids, subject):
    """Send one bulk action for the subject instance and return its only result."""
    region, server_id, _ = subject

    def run(method: str, action: str, wait: bool = True, **body) -> dict:
        path = instances_path(project_ids["dev"], region, f"/{action}" if action else "")
        params = {"wait": "true", "timeout": 60} if wait else {}
        response = api.request(method, path, params=params, json={"ids": [server_id], **body})
        results = response.json()["results"]
        assert len(results) == 1, results
        assert results[0]["id"] == server_id
        assert response.status_code == results[0]["status"], response.json()
        return results[0]

    return run


def test_pause(act, subject):
    result = act("PUT", "pause")
    assert result["status"] == 200, result
    assert result["instance_status"] == "PAUSED"
    assert subject[2].compute.get_server(subject[1]).status == "PAUSED"


def test_resume_unpauses(act, subject):
    result = act("PUT", "resume")
    assert result["status"] == 200, result
    assert subject[2].compute.get_server(subject[1]).status == "ACTIVE"


def test_suspend(act, subject):
    result = act("PUT", "suspend")
    assert result["status"] == 200, result
    assert subject[2].compute.get_server(subject[1]).status == "SUSPENDED"


def test_resume_suspended(act, subject):
    result = act("PUT", "resume")
    assert result["status"] == 200, result
    assert subject[2].compute.get_server(subject[1]).status == "ACTIVE"


def test_shutdown(act, subject):
    result = act("PUT", "shutdown")
    assert result["status"] == 200, result
    server = subject[2].compute.get_server(subject[1])
    assert server.status == "SHUTOFF"
    assert server.power_state == 4


def test_start(act, subject):
    result = act("PUT", "start")
    assert result["status"] == 200, result
    assert subject[2].compute.get_server(subject[1]).status == "ACTIVE"


@pytest.mark.parametrize("reboot_type", ["SOFT", "HARD"])
def test_reboot(act, subject, reboot_type):
    result = act("PUT", "reboot", type=reboot_type)
    assert result["status"] == 200, result
    server = subject[2].compute.get_server(subject[1])
    assert server.status == "ACTIVE"
    assert server.task_state is None


def test_resize_stops_at_verify(act, subject):
    result = act("PUT", "resize", flavor="m1.micro")
    assert result["status"] == 200, result
    assert result["instance_status"] == "VERIFY_RESIZE"
    server = subject[2].compute.get_server(subject[1])
    assert server.status == "VERIFY_RESIZE"
    assert server.flavor.original_name == "m1.micro"


def test_resize_revert(act, subject):
    result = act("PUT", "resize/revert")
    assert result["status"] == 200, result
    server = subject[2].compute.get_server(subject[1])
    assert server.status == "ACTIVE"
    assert server.flavor.original_name == "m1.nano"


def test_resize_confirm_true(act, subject):
    flavor_id = subject[2].compute.find_flavor("m1.micro", ignore_missing=False).id
    result = act("PUT", "resize", flavor=flavor_id, confirm=True)
    assert result["status"] == 200, result
    assert result["instance_status"] == "ACTIVE"
    server = subject[2].compute.get_server(subject[1])
    assert server.status == "ACTIVE"
    assert server.flavor.original_name == "m1.micro"


def test_resize_then_confirm(act, subject):
    act("PUT", "resize", flavor="m1.tiny")
    result = act("PUT", "resize/confirm")
    assert result["status"] == 200, result
    server = subject[2].compute.get_server(subject[1])
    assert server.status == "ACTIVE"
    assert server.flavor.original_name == "m1.tiny"


def test_rebuild_by_image_name(act, subject):
    connection = subject[2]
    expected = connection.image.find_image("dev-private", ignore_missing=False).id
    result = act("PUT", "rebuild", image="dev-private")
    assert result["status"] == 200, result
    server = connection.compute.get_server(subject[1])
    assert server.status == "ACTIVE"
    assert server.image.id == expected


def test_snapshot_image_active(act, subject, created, project_ids):
    region, server_id, connection = subject
    result = act("PUT", "snapshot", name=f"{PREFIX}-snap-{region}", metadata={"purpose": "test"})
    if result.get("image_id"):
        created.images.append((project_ids["dev"], region, result["image_id"]))
    assert result["status"] == 200, result
    image = settle_image(connection, result["image_id"])
    assert image.name == f"{PREFIX}-snap-{region}"
    assert image.owner == project_ids["dev"]
    assert image.properties.get("purpose") == "test"
    assert connection.compute.get_server(server_id).status == "ACTIVE"


def test_lock(act, subject):
    result = act("PUT", "lock", wait=False, locked_reason="lifecycle test")
    assert result["status"] == 200, result
    server = subject[2].compute.get_server(subject[1])
    assert server.is_locked is True
    assert server.locked_reason == "lifecycle test"


def test_unlock(act, subject):
    result = act("PUT", "unlock", wait=False)
    assert result["status"] == 200, result
    assert subject[2].compute.get_server(subject[1]).is_locked is False


def test_tag_add(act, subject):
    result = act("POST", "tag", wait=False, tags=["web", "blue"])
    assert result["status"] == 200, result
    assert sorted(result["tags"]) == ["blue", "web"]
    assert sorted(subject[2].compute.get_server(subject[1]).tags) == ["blue", "web"]


def test_tag_remove(act, subject):
    result = act("DELETE", "tag", wait=False, tags=["blue"])
    assert result["status"] == 200, result
    assert result["tags"] == ["web"]
    assert subject[2].compute.get_server(subject[1]).tags == ["web"]


def test_ip_add(act, subject):
    region, server_id, connection = subject
    result = act("PUT", "ip", wait=False)
    assert result["status"] == 200, result
    assert result["allocated"] is True
    port = next(connection.network.ports(device_id=server_id))
    bound = list(connection.network.ips(port_id=port.id))
    assert [fip.floating_ip_address for fip in bound] == [result["floating_ip"]]
    assert bound[0].fixed_ip_address == result["fixed_address"]


def test_ip_remove_releases(act, subject):
    region, server_id, connection = subject
    port = next(connection.network.ports(device_id=server_id))
    (fip,) = connection.network.ips(port_id=port.id)
    result = act("DELETE", "ip", wait=False)
    assert result["status"] == 200, result
    assert result["removed"] == [{"floating_ip": fip.floating_ip_address, "floating_ip_id": fip.id, "released": True}]
    assert is_gone(connection.network.get_ip, fip.id)


def test_terminate(act, subject):
    result = act("DELETE", "")
    assert result["status"] == 200, result
    assert result["instance_status"] == "DELETED"
    assert is_gone(subject[2].compute.get_server, subject[1])

