"""Launching instances: every reference checked first, options passed to Nova, multi-create."""

from __future__ import annotations

import base64
import uuid

import pytest

from perspective.models.instances import MAX_USER_DATA_BYTES
from tests.api.instance_support import (
    PREFIX,
    admin_sdk,  # noqa: F401 - fixture
    created,  # noqa: F401 - fixture
    instances_path,
    launch,  # noqa: F401 - fixture
    settle,
)
from tests.conftest import ALICE, REGIONS

R1, R2 = REGIONS

VALID = {"flavor": "m1.nano", "image": "cirros-raw", "networks": ["dev-net"]}


@pytest.fixture
def post(api, project_ids, created):
    """POST a launch in dev, recording whatever it creates for cleanup."""

    def run(region: str, body: dict, **params):
        response = api.post(instances_path(project_ids["dev"], region), params=params, json=body)
        for result in response.json().get("results", []):
            created.servers.append((project_ids["dev"], region, result["id"]))
        return response

    return run


def nova_names(sdk, project_ids, region: str, name: str) -> list[str]:
    connection = sdk(ALICE, region, project_ids["dev"])
    return [server.name for server in connection.compute.servers(name=name)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("flavor", "m1.enormous"),
        ("image", "no-such-image"),
        ("networks", ["dev-net", "no-such-net"]),
        ("keypair", "no-such-key"),
        ("security_groups", ["no-such-group"]),
        ("availability_zone", "no-such-zone"),
    ],
)
def test_unknown_reference_400(post, sdk, project_ids, field, value):
    name = f"{PREFIX}-bad-{field}"
    response = post(R1, {"name": name, **VALID, field: value})
    body = response.json()
    assert response.status_code == 400, body
    assert body["errors"][0]["field"] == field
    named = value[-1] if isinstance(value, list) else value
    assert named in body["detail"]
    assert nova_names(sdk, project_ids, R1, name) == []


def test_external_network_400(post):
    response = post(R1, {"name": f"{PREFIX}-external", **VALID, "networks": ["public"]})
    assert response.status_code == 400
    assert "external network" in response.json()["detail"]


@pytest.fixture
def dev_images(sdk, project_ids):
    """Create image records (no data, so `queued`) in dev, and delete them after the test."""
    connection = sdk(ALICE, R1, project_ids["dev"])
    images = []

    def make(name: str):
        image = connection.image.create_image(
            name=name, disk_format="raw", container_format="bare", allow_duplicates=True
        )
        images.append(image)
        return image

    yield make
    for image in images:
        connection.image.delete_image(image, ignore_missing=True)


def test_ambiguous_image_name_400(post, dev_images):
    name = f"{PREFIX}-twin"
    first, second = dev_images(name), dev_images(name)
    response = post(R1, {"name": f"{PREFIX}-ambiguous", **VALID, "image": name})
    detail = response.json()["detail"]
    assert response.status_code == 400
    assert "ambiguous" in detail
    assert first.id in detail
    assert second.id in detail
    assert "give the id" in detail


def test_inactive_image_400(post, dev_images):
    image = dev_images(f"{PREFIX}-queued")
    response = post(R1, {"name": f"{PREFIX}-inactive", **VALID, "image": image.id})
    assert response.status_code == 400
    assert "queued, not active" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"user_data": "x" * (MAX_USER_DATA_BYTES + 1)}, "body.user_data"),
        ({"tags": ["a/b"]}, "body.tags.0"),
        ({"count": 0}, "body.count"),
        ({"count": 101}, "body.count"),
        ({"name": " padded"}, "body.name"),
        ({"flavour": "m1.nano"}, "body.flavour"),
        ({"metadata": {"k": "v" * 256}}, "body.metadata.k"),
    ],
)
def test_invalid_body_422(post, change, field):
    response = post(R1, {"name": f"{PREFIX}-invalid", **VALID, **change})
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


def test_user_data_limit_in_message(post):
    response = post(R1, {"name": f"{PREFIX}-big", **VALID, "user_data": "é" * MAX_USER_DATA_BYTES})
    assert response.status_code == 422
    assert str(MAX_USER_DATA_BYTES) in response.json()["errors"][0]["message"]


@pytest.fixture
def keypair(sdk):
    connection = sdk(ALICE, R2)
    name = f"{PREFIX}-key-{uuid.uuid4().hex[:4]}"
    public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZrTGQcX2cXHxrmTfgEtlGBrNUmVb+yMAszIzr5TYBy test"
    connection.compute.create_keypair(name=name, public_key=public_key)
    yield name
    connection.compute.delete_keypair(name, ignore_missing=True)


def test_launch_with_every_option(post, keypair, admin_sdk, api, project_ids):
    user_data = "#cloud-config\nruncmd:\n  - echo héllo\n"
    body = {
        "name": f"{PREFIX}-full",
        **VALID,
        "image": "dev-private",
        "keypair": keypair,
        "security_groups": ["default"],
        "availability_zone": "nova",
        "user_data": user_data,
        "metadata": {"owner": "launch-test"},
        "tags": ["full", "launch"],
    }
    response = post(R2, body, wait="true", timeout=60)
    assert response.status_code == 201, response.json()
    (result,) = response.json()["results"]
    assert result["instance_status"] == "ACTIVE"

    server = admin_sdk(R2).compute.get_server(result["id"])
    assert server.key_name == keypair
    assert server.metadata == {"owner": "launch-test"}
    assert sorted(server.tags) == ["full", "launch"]
    assert base64.b64decode(server.user_data).decode() == user_data
    assert [group["name"] for group in server.security_groups] == ["default"]
    assert server.availability_zone == "nova"
    assert server.project_id == project_ids["dev"]

    shown = api.get(instances_path(project_ids["dev"], R2, f"/{result['id']}")).json()
    assert shown["key_name"] == keypair
    assert shown["image"]["name"] == "dev-private"
    assert shown["metadata"] == {"owner": "launch-test"}


def test_launch_without_networks_ambiguous_400(post, sdk, project_ids):
    # dev can use two networks: the shared one and dev-net.
    name = f"{PREFIX}-ambiguous"
    response = post(R1, {"name": name, "flavor": "m1.nano", "image": "cirros-raw"})
    body = response.json()
    assert response.status_code == 400, body
    assert body["errors"][0]["field"] == "networks"
    assert "can use several networks in region RegionOne" in body["detail"]
    assert nova_names(sdk, project_ids, R1, name) == []


def test_launch_several_without_network(post, sdk, project_ids):
    response = post(R1, {"name": f"{PREFIX}-multi", **VALID, "networks": [], "count": 3})
    body = response.json()
    assert response.status_code == 202, body
    assert body["reservation_id"]
    assert [result["name"] for result in body["results"]] == [f"{PREFIX}-multi-{n}" for n in (1, 2, 3)]
    assert {result["status"] for result in body["results"]} == {202}

    connection = sdk(ALICE, R1, project_ids["dev"])
    reserved = {server.id for server in connection.compute.servers(reservation_id=body["reservation_id"])}
    assert reserved == {result["id"] for result in body["results"]}
    for result in body["results"]:
        assert settle(connection, result["id"], "ACTIVE").addresses == {}


def test_launch_network_by_id_and_shared_name(post, sdk, project_ids):
    connection = sdk(ALICE, R2, project_ids["dev"])
    dev_net = connection.network.find_network("dev-net", ignore_missing=False).id
    body = {"name": f"{PREFIX}-two-nets", **VALID, "networks": [dev_net, "shared"]}
    response = post(R2, body, wait="true", timeout=60)
    assert response.status_code == 201, response.json()
    server = connection.compute.get_server(response.json()["results"][0]["id"])
    assert sorted(server.addresses) == ["dev-net", "shared"]


def test_launch_unknown_project_404(api):
    response = api.post(instances_path("no-such-project", R1), json={"name": f"{PREFIX}-x", **VALID})
    assert response.status_code == 404
