"""Floating IPs: allocated once per fixed address, user-brought ones only disassociated."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.api.instance_support import (
    ALLOCATED_MARK,
    by_id,
    created,  # noqa: F401 - fixture
    instances_path,
    is_gone,
    launch,  # noqa: F401 - fixture
)
from tests.conftest import ALICE, REGIONS

R2 = REGIONS[1]


@dataclass
class Pair:
    first: str
    second: str
    connection: object
    path: str

    def port(self, server_id: str):
        return next(self.connection.network.ports(device_id=server_id))

    def bound(self, server_id: str) -> list:
        return list(self.connection.network.ips(port_id=self.port(server_id).id))


@pytest.fixture(scope="module")
def pair(launch, project_ids, sdk) -> Pair:
    first, second = launch(project_ids["dev"], R2, "ip", count=2)
    return Pair(first, second, sdk(ALICE, R2, project_ids["dev"]), instances_path(project_ids["dev"], R2, "/ip"))


@pytest.fixture
def user_fip(pair, created, project_ids):
    """A floating IP the user allocated outside Perspective."""
    public = pair.connection.network.find_network("public", ignore_missing=False)
    fip = pair.connection.network.create_ip(floating_network_id=public.id)
    created.floating_ips.append((project_ids["dev"], R2, fip.id))
    return fip


@pytest.fixture
def bare(api, pair):
    """Start the test with no floating IP on either instance of the pair."""
    for server_id in (pair.first, pair.second):
        for fip in pair.bound(server_id):
            if (fip.description or "").startswith(ALLOCATED_MARK):
                pair.connection.network.delete_ip(fip)
            else:
                pair.connection.network.update_ip(fip, port_id=None)
    return pair


def test_add_twice_allocates_once(api, bare):
    first = api.put(bare.path, json={"ids": [bare.first]})
    second = api.put(bare.path, json={"ids": [bare.first]})
    one, two = by_id(first)[bare.first], by_id(second)[bare.first]
    assert first.status_code == second.status_code == 200
    assert one["allocated"] is True
    assert two["allocated"] is False
    assert two["floating_ip_id"] == one["floating_ip_id"]
    assert "already had floating IP" in two["detail"]
    (fip,) = bare.bound(bare.first)
    assert fip.id == one["floating_ip_id"]
    assert fip.description.startswith(ALLOCATED_MARK)


def test_add_chooses_fixed_address(api, bare):
    address = bare.port(bare.first).fixed_ips[0]["ip_address"]
    response = api.put(bare.path, json={"ids": [bare.first], "fixed_address": address})
    assert response.status_code == 200
    assert by_id(response)[bare.first]["fixed_address"] == address
    assert bare.bound(bare.first)[0].fixed_ip_address == address


def test_add_unknown_fixed_address_400(api, bare):
    response = api.put(bare.path, json={"ids": [bare.first], "fixed_address": "192.0.2.77"})
    result = by_id(response)[bare.first]
    assert response.status_code == 400
    assert result["status"] == 400
    assert "no fixed address 192.0.2.77" in result["detail"]
    assert bare.bound(bare.first) == []


def test_bind_user_floating_ip_by_address(api, bare, user_fip):
    response = api.put(bare.path, json={"ids": [bare.second], "floating_ip": user_fip.floating_ip_address})
    result = by_id(response)[bare.second]
    assert response.status_code == 200, result
    assert result["allocated"] is False
    assert result["floating_ip_id"] == user_fip.id
    assert bare.connection.network.get_ip(user_fip.id).port_id == bare.port(bare.second).id


def test_bind_floating_ip_in_use_409(api, bare, user_fip):
    bare.connection.network.update_ip(user_fip, port_id=bare.port(bare.second).id)
    response = api.put(bare.path, json={"ids": [bare.first], "floating_ip": user_fip.id})
    result = by_id(response)[bare.first]
    assert response.status_code == 409
    assert "remove it there first" in result["detail"]
    assert bare.connection.network.get_ip(user_fip.id).port_id == bare.port(bare.second).id
    assert bare.bound(bare.first) == []


def test_bind_other_when_one_bound_409(api, bare, user_fip):
    api.put(bare.path, json={"ids": [bare.first]})
    response = api.put(bare.path, json={"ids": [bare.first], "floating_ip": user_fip.id})
    assert response.status_code == 409
    assert "already has floating IP" in by_id(response)[bare.first]["detail"]
    assert bare.connection.network.get_ip(user_fip.id).port_id is None


def test_remove_user_floating_ip_disassociates(api, bare, user_fip):
    bare.connection.network.update_ip(user_fip, port_id=bare.port(bare.second).id)
    response = api.request("DELETE", bare.path, params={"id": bare.second, "floating_ip": user_fip.floating_ip_address})
    result = by_id(response)[bare.second]
    assert response.status_code == 200, result
    assert result["removed"] == [
        {"floating_ip": user_fip.floating_ip_address, "floating_ip_id": user_fip.id, "released": False}
    ]
    still = bare.connection.network.get_ip(user_fip.id)
    assert still.port_id is None


def test_remove_floating_ip_not_bound_404(api, bare, user_fip):
    response = api.request("DELETE", bare.path, json={"ids": [bare.first], "floating_ip": user_fip.id})
    assert response.status_code == 404
    assert "does not have floating IP" in by_id(response)[bare.first]["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"floating_ip": "172.24.4.1", "network": "public"},
        {"fixed_address": "10.0.0.1", "ids_twice": True},
        {"floating_ip": "172.24.4.1", "ids_twice": True},
        {"fixed_address": "not-an-address"},
    ],
)
def test_invalid_combination_422(api, pair, body):
    ids = [pair.first, pair.second] if body.pop("ids_twice", False) else [pair.first]
    response = api.put(pair.path, json={"ids": ids, **body})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"floating_ip": "198.51.100.9"}, "floating_ip"),
        ({"network": "dev-net"}, "network"),
        ({"network": "no-such-net"}, "network"),
    ],
)
def test_bad_reference_rejects_request(api, bare, body, field):
    # floating_ip takes one id; network takes several.
    ids = [bare.first] if "floating_ip" in body else [bare.first, bare.second]
    response = api.put(bare.path, json={"ids": ids, **body})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert bare.bound(bare.first) == []
    assert bare.bound(bare.second) == []


def test_terminate_releases_only_allocated(api, launch, project_ids, pair, user_fip):
    doomed = launch(project_ids["dev"], R2, "ip-doomed", count=2)
    allocated = by_id(api.put(pair.path, json={"ids": [doomed[0]]}))[doomed[0]]["floating_ip_id"]
    pair.connection.network.update_ip(user_fip, port_id=pair.port(doomed[1]).id)

    response = api.request(
        "DELETE", instances_path(project_ids["dev"], R2), params={"id": doomed, "wait": "true"}
    )
    assert response.status_code == 200, response.json()
    assert is_gone(pair.connection.network.get_ip, allocated)
    assert pair.connection.network.get_ip(user_fip.id).id == user_fip.id
