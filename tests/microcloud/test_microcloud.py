"""The micro-cloud is a real OpenStack: prove it through openstacksdk.

Each region boots a server on the ``dev`` network, which then gets a
floating IP, a console log, a noVNC console URL, a snapshot that becomes an
``active`` image, and a confirmed resize. Regions stay apart: a server of
one region is unknown to the other.
"""

from __future__ import annotations

import ipaddress
import pathlib
import time
import uuid

import openstack
import openstack.config
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
CLOUDS_YAML = REPO / ".microcloud" / "clouds.yaml"
REGIONS = ("RegionOne", "RegionTwo")
WAIT_SECONDS = 120


def connect(region: str) -> openstack.connection.Connection:
    if not CLOUDS_YAML.exists():
        pytest.fail(f"{CLOUDS_YAML} is missing: start the micro-cloud with "
                    f"`scripts/microcloud up` first")
    config = openstack.config.OpenStackConfig(config_files=[str(CLOUDS_YAML)])
    cloud = config.get_one(cloud="microcloud-alice", region_name=region)
    return openstack.connection.Connection(config=cloud)


@pytest.fixture(scope="module", params=REGIONS)
def booted(request):
    """A server on the dev network of one region, deleted afterwards with
    everything the tests made for it."""
    region = request.param
    conn = connect(region)
    flavor = conn.compute.find_flavor("m1.nano", ignore_missing=False)
    image = conn.image.find_image("cirros-raw", ignore_missing=False)
    network = conn.network.find_network("dev-net", ignore_missing=False)

    server = conn.compute.create_server(
        name=f"microcloud-test-{uuid.uuid4().hex[:8]}", flavor_id=flavor.id,
        image_id=image.id, networks=[{"uuid": network.id}])
    made = {"floating_ips": [], "images": []}
    try:
        server = conn.compute.wait_for_server(server, wait=WAIT_SECONDS)
        yield region, conn, server, made
    finally:
        for ip in made["floating_ips"]:
            conn.network.delete_ip(ip, ignore_missing=True)
        conn.compute.delete_server(server, ignore_missing=True)
        conn.compute.wait_for_delete(server, wait=WAIT_SECONDS)
        for image_id in made["images"]:
            conn.image.delete_image(image_id, ignore_missing=True)


def test_server_active_with_dev_address(booted):
    _, conn, server, _ = booted

    server = conn.compute.get_server(server.id)

    assert server.status == "ACTIVE"
    addresses = [a["addr"] for a in server.addresses["dev-net"]]
    assert len(addresses) == 1
    subnet = next(conn.network.subnets(name="dev-subnet"))
    assert ipaddress.ip_address(addresses[0]) in ipaddress.ip_network(
        subnet.cidr)


def test_floating_ip_attaches_to_server_port(booted):
    _, conn, server, made = booted
    public = conn.network.find_network("public", ignore_missing=False)
    port = next(conn.network.ports(device_id=server.id))

    ip = conn.network.create_ip(floating_network_id=public.id)
    made["floating_ips"].append(ip.id)
    conn.network.update_ip(ip, port_id=port.id)

    assert conn.network.get_ip(ip.id).port_id == port.id
    assert _floating_addresses(conn, server.id) == [ip.floating_ip_address]


def _floating_addresses(conn, server_id: str) -> list[str]:
    # Nova learns of a new floating IP from Neutron's network-changed
    # event, a moment after Neutron has bound it.
    deadline = time.monotonic() + 30
    while True:
        server = conn.compute.get_server(server_id)
        found = [a["addr"] for a in server.addresses["dev-net"]
                 if a.get("OS-EXT-IPS:type") == "floating"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(1)


def test_console_log_readable(booted):
    _, conn, server, _ = booted

    output = conn.compute.get_server_console_output(server)["output"]

    assert output.strip()


def test_novnc_console_url(booted):
    _, conn, server, _ = booted

    console = conn.compute.create_console(server, console_type="novnc")

    assert console["type"] == "novnc"
    assert console["url"].startswith("http://127.0.0.1:")
    assert "token" in console["url"]


def test_snapshot_becomes_active_image(booted):
    _, conn, server, made = booted

    image_id = conn.compute.create_server_image(
        server, name=f"{server.name}-snapshot", wait=True,
        timeout=WAIT_SECONDS)
    made["images"].append(image_id)
    image = conn.image.wait_for_status(conn.image.get_image(image_id),
                                       status="active", wait=WAIT_SECONDS)

    assert image.status == "active"
    assert image.size > 0


def test_resize_confirmed_changes_flavor(booted):
    _, conn, server, _ = booted
    bigger = conn.compute.find_flavor("m1.micro", ignore_missing=False)

    conn.compute.resize_server(server, bigger.id)
    server = conn.compute.wait_for_server(server, status="VERIFY_RESIZE",
                                          wait=WAIT_SECONDS)
    conn.compute.confirm_server_resize(server)
    server = conn.compute.wait_for_server(server, status="ACTIVE",
                                          wait=WAIT_SECONDS)

    assert server.flavor.name == "m1.micro"


def test_server_unknown_in_other_region(booted):
    region, _, server, _ = booted
    other = connect(next(r for r in REGIONS if r != region))

    assert other.compute.find_server(server.id) is None
    assert server.id not in {s.id for s in other.compute.servers()}
