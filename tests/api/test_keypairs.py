"""Keypairs created, imported, listed and deleted in both regions of the micro-cloud."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from openstack.exceptions import NotFoundException

from perspective.services.ssh_keys import generate_key
from tests.conftest import ALICE, BOB, CLOUDS, REGIONS


@pytest.fixture
def new_name(sdk):
    """Return unique keypair names and delete them everywhere after the test."""
    names: list[str] = []

    def make(prefix: str = "pt") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        names.append(name)
        return name

    yield make
    for name in names:
        for cloud in (ALICE, BOB):
            for region in REGIONS:
                sdk(cloud, region).compute.delete_keypair(name, ignore_missing=True)


def nova_keypair(sdk, cloud: str, region: str, name: str):
    """Return the keypair as Nova shows it to the user, or None."""
    try:
        return sdk(cloud, region).compute.get_keypair(name)
    except NotFoundException:
        return None


def listed(api, cloud: str, name: str) -> dict | None:
    body = api.get("/keypairs", params={"cloud": cloud}).json()
    assert body["errors"] == []
    return next((item for item in body["items"] if item["name"] == name), None)


def test_generate_creates_in_every_region(api, sdk, new_name):
    name = new_name()
    response = api.post("/keypairs", params={"cloud": ALICE}, json={"name": name})
    body = response.json()
    assert response.status_code == 201, body
    assert body["regions"] == list(REGIONS)
    assert body["cloud"] == ALICE
    for region in REGIONS:
        keypair = nova_keypair(sdk, ALICE, region, name)
        assert keypair is not None
        assert keypair.fingerprint == body["fingerprint"]


def test_generated_private_key_matches(api, new_name):
    body = api.post("/keypairs", params={"cloud": ALICE}, json={"name": new_name()}).json()
    private = serialization.load_ssh_private_key(body["private_key"].encode(), password=None)
    public = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()
    assert body["public_key"].startswith(public)
    assert body["public_key"].startswith("ssh-ed25519 ")


def test_generate_rsa(api, new_name):
    response = api.post("/keypairs", params={"cloud": ALICE}, json={"name": new_name(), "type": "rsa"})
    assert response.status_code == 201
    assert response.json()["public_key"].startswith("ssh-rsa ")


def test_private_key_not_listed(api, new_name):
    name = new_name()
    api.post("/keypairs", params={"cloud": ALICE}, json={"name": name})
    item = listed(api, ALICE, name)
    assert item is not None
    assert "private_key" not in item


def test_import_public_key(api, sdk, new_name):
    name = new_name("imported key@laptop")
    key = generate_key("rsa", "me@laptop")
    response = api.post("/keypairs", params={"cloud": BOB}, json={"name": name, "public_key": key.public_key})
    body = response.json()
    assert response.status_code == 201, body
    assert body["private_key"] is None
    for region in REGIONS:
        assert nova_keypair(sdk, BOB, region, name).public_key.strip() == key.public_key


def test_list_merges_regions(api, new_name):
    name = new_name()
    created = api.post("/keypairs", params={"cloud": ALICE}, json={"name": name}).json()
    item = listed(api, ALICE, name)
    assert item["regions"] == list(REGIONS)
    assert item["missing_regions"] == []
    assert item["fingerprints"] == {region: created["fingerprint"] for region in REGIONS}
    assert item["fingerprints_differ"] is False


def test_list_without_cloud_names_each(api, new_name):
    name = new_name()
    api.post("/keypairs", params={"cloud": BOB}, json={"name": name})
    body = api.get("/keypairs").json()
    assert body["errors"] == []
    owners = [item["cloud"] for item in body["items"] if item["name"] == name]
    assert owners == [BOB]


def test_list_is_per_user(api, new_name):
    name = new_name()
    api.post("/keypairs", params={"cloud": ALICE}, json={"name": name})
    assert listed(api, BOB, name) is None


def test_list_shows_missing_region(api, sdk, new_name):
    name = new_name()
    sdk(ALICE, "RegionTwo").compute.create_keypair(name=name, public_key=generate_key("ed25519", "x").public_key)
    item = listed(api, ALICE, name)
    assert item["regions"] == ["RegionTwo"]
    assert item["missing_regions"] == ["RegionOne"]


def test_list_shows_differing_fingerprints(api, sdk, new_name):
    name = new_name()
    for region in REGIONS:
        sdk(ALICE, region).compute.create_keypair(name=name, public_key=generate_key("ed25519", "x").public_key)
    item = listed(api, ALICE, name)
    assert item["fingerprints_differ"] is True
    assert item["fingerprint"] is None
    assert len(set(item["fingerprints"].values())) == 2


def test_delete_removes_every_region(api, sdk, new_name):
    name = new_name()
    api.post("/keypairs", params={"cloud": ALICE}, json={"name": name})
    response = api.delete(f"/keypairs/{name}", params={"cloud": ALICE})
    assert response.status_code == 204
    for region in REGIONS:
        assert nova_keypair(sdk, ALICE, region, name) is None


def test_delete_name_with_space(api, sdk, new_name):
    name = new_name("with space")
    api.post("/keypairs", params={"cloud": ALICE}, json={"name": name})
    assert api.delete(f"/keypairs/{name}", params={"cloud": ALICE}).status_code == 204
    assert nova_keypair(sdk, ALICE, REGIONS[0], name) is None


def test_delete_present_in_one_region(api, sdk, new_name):
    name = new_name()
    sdk(ALICE, "RegionOne").compute.create_keypair(name=name, public_key=generate_key("ed25519", "x").public_key)
    assert api.delete(f"/keypairs/{name}", params={"cloud": ALICE}).status_code == 204
    assert nova_keypair(sdk, ALICE, "RegionOne", name) is None


def test_delete_unknown_404(api, new_name):
    name = new_name()
    response = api.delete(f"/keypairs/{name}", params={"cloud": ALICE})
    assert response.status_code == 404
    assert name in response.json()["detail"]


def test_duplicate_name_409(api, new_name):
    name = new_name()
    first = api.post("/keypairs", params={"cloud": ALICE}, json={"name": name}).json()
    response = api.post("/keypairs", params={"cloud": ALICE}, json={"name": name})
    assert response.status_code == 409
    assert listed(api, ALICE, name)["fingerprint"] == first["fingerprint"]


def test_existing_in_one_region_rolls_back(api, sdk, new_name):
    name = new_name()
    existing = sdk(ALICE, "RegionTwo").compute.create_keypair(
        name=name, public_key=generate_key("ed25519", "x").public_key
    )
    response = api.post("/keypairs", params={"cloud": ALICE}, json={"name": name})
    body = response.json()
    assert response.status_code == 409
    assert body["failed_regions"][0]["region"] == "RegionTwo"
    assert "removed again from RegionOne" in body["detail"]
    assert nova_keypair(sdk, ALICE, "RegionOne", name) is None
    assert nova_keypair(sdk, ALICE, "RegionTwo", name).fingerprint == existing.fingerprint


def test_post_without_cloud_400(api):
    response = api.post("/keypairs", json={"name": "never-created"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert all(cloud in detail for cloud in CLOUDS)


def test_invalid_public_key_422(api):
    response = api.post("/keypairs", params={"cloud": ALICE}, json={"name": "k", "public_key": "ssh-rsa not-base64"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.public_key"


@pytest.mark.parametrize("name", ["slash/name", "", "x" * 256, "semi;colon"])
def test_invalid_name_422(api, name):
    response = api.post("/keypairs", params={"cloud": ALICE}, json={"name": name})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.name"
