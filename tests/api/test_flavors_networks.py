"""Flavors, networks and availability zones, checked against the openstack CLI."""

from __future__ import annotations

import pytest

from tests.conftest import ALICE, REGIONS


def by_region(items: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {region: [] for region in REGIONS}
    for item in items:
        grouped[item["region"]].append(item)
    return grouped


@pytest.fixture(scope="module")
def dev_flavors(api, project_ids) -> dict:
    response = api.get(f"/projects/{project_ids['dev']}/flavors")
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def dev_networks(api, project_ids) -> dict:
    response = api.get(f"/projects/{project_ids['dev']}/networks")
    assert response.status_code == 200
    return response.json()


def test_flavors_from_both_regions(dev_flavors):
    assert dev_flavors["errors"] == []
    grouped = by_region(dev_flavors["items"])
    assert all(grouped[region] for region in REGIONS)
    assert {item["cloud"] for item in dev_flavors["items"]} == {ALICE}


@pytest.mark.parametrize("region", REGIONS)
def test_flavor_ids_match_cli(dev_flavors, cli, region):
    expected = cli("--os-cloud", ALICE, "--os-region-name", region, "flavor", "list")
    ours = by_region(dev_flavors["items"])[region]
    assert sorted((f["id"], f["name"]) for f in ours) == sorted((f["ID"], f["Name"]) for f in expected)


def test_flavor_sizes_match_cli(dev_flavors, cli):
    region = REGIONS[1]
    expected = {f["ID"]: f for f in cli("--os-cloud", ALICE, "--os-region-name", region, "flavor", "list")}
    for flavor in by_region(dev_flavors["items"])[region]:
        assert flavor["ram"] == expected[flavor["id"]]["RAM"]
        assert flavor["vcpus"] == expected[flavor["id"]]["VCPUs"]
        assert flavor["disk"] == expected[flavor["id"]]["Disk"]


def test_flavors_of_second_project(api, project_ids):
    body = api.get(f"/projects/{project_ids['ops']}/flavors").json()
    assert body["errors"] == []
    assert {item["region"] for item in body["items"]} == set(REGIONS)


def test_flavors_unknown_project_404(api):
    response = api.get("/projects/no-such-project/flavors")
    assert response.status_code == 404
    assert "no-such-project" in response.json()["detail"]


@pytest.mark.parametrize("region", REGIONS)
def test_network_ids_match_cli(dev_networks, cli, region):
    expected = cli("--os-cloud", ALICE, "--os-region-name", region, "network", "list")
    ours = by_region(dev_networks["items"])[region]
    assert sorted(n["id"] for n in ours) == sorted(n["ID"] for n in expected)


@pytest.mark.parametrize("region", REGIONS)
def test_subnets_embedded_match_cli(dev_networks, cli, region):
    listed = cli("--os-cloud", ALICE, "--os-region-name", region, "subnet", "list")
    expected = {subnet["ID"]: subnet for subnet in listed}
    embedded = [
        (network["id"], subnet)
        for network in by_region(dev_networks["items"])[region]
        for subnet in network["subnets"]
    ]
    assert embedded
    for network_id, subnet in embedded:
        assert expected[subnet["id"]]["Network"] == network_id
        assert expected[subnet["id"]]["Subnet"] == subnet["cidr"]


def test_project_network_has_subnet(dev_networks, project_ids):
    for region, networks in by_region(dev_networks["items"]).items():
        own = [n for n in networks if n["project_id"] == project_ids["dev"]]
        assert own, f"no dev network in {region}"
        assert all(network["subnets"] for network in own)


def test_shared_and_external_networks_listed(dev_networks):
    for region, networks in by_region(dev_networks["items"]).items():
        assert any(n["shared"] for n in networks), f"no shared network in {region}"
        assert any(n["router:external"] for n in networks), f"no external network in {region}"


def test_other_project_network_hidden(api, project_ids, dev_networks):
    ops = api.get(f"/projects/{project_ids['ops']}/networks").json()
    dev_only = {n["id"] for n in dev_networks["items"] if n["project_id"] == project_ids["dev"]}
    assert ops["errors"] == []
    assert dev_only.isdisjoint({n["id"] for n in ops["items"]})


def test_admin_sees_only_own_project_networks(api, project_ids):
    # admin's token can see every project's networks; Perspective keeps the
    # ones of the admin project, shared ones and external ones.
    body = api.get(f"/projects/{project_ids['admin']}/networks").json()
    for network in body["items"]:
        assert network["project_id"] == project_ids["admin"] or network["shared"] or network["router:external"]
    assert project_ids["dev"] not in {network["project_id"] for network in body["items"]}


@pytest.mark.parametrize("region", REGIONS)
def test_availability_zones_match_cli(api, cli, project_ids, region):
    response = api.get(f"/projects/{project_ids['dev']}/regions/{region}/availability_zones")
    assert response.status_code == 200
    expected = cli("--os-cloud", ALICE, "--os-region-name", region, "availability", "zone", "list", "--compute")
    ours = response.json()["items"]
    assert sorted(zone["name"] for zone in ours) == sorted(zone["Zone Name"] for zone in expected)
    assert all(zone["region"] == region and zone["cloud"] == ALICE for zone in ours)
    assert all(zone["available"] for zone in ours)


def test_availability_zone_hosts_hidden_from_member(api, project_ids):
    zones = api.get(f"/projects/{project_ids['dev']}/regions/RegionOne/availability_zones").json()["items"]
    assert all(zone["hosts"] is None for zone in zones)


def test_availability_zone_hosts_shown_to_admin(api, project_ids):
    zones = api.get(f"/projects/{project_ids['admin']}/regions/RegionTwo/availability_zones").json()["items"]
    assert any(zone["hosts"] for zone in zones)


def test_availability_zones_unknown_region_404(api, project_ids):
    response = api.get(f"/projects/{project_ids['dev']}/regions/Atlantis/availability_zones")
    assert response.status_code == 404
    assert "Atlantis" in response.json()["detail"]
