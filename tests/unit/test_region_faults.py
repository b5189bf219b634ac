"""One region failing, timing out or rejecting a keypair, with openstacksdk faked."""

from __future__ import annotations

from keystoneauth1 import exceptions as ksa_exceptions
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.keypair import Keypair

from tests.unit.conftest import make_client
from tests.unit.fakes import FakeCloud, FakeRegion, http_error

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZrTGQcX2cXHxrmTfgEtlGBrNUmVb+yMAszIzr5TYBy test"


def flavor(flavor_id: str) -> Flavor:
    return Flavor(id=flavor_id, name=f"m1.{flavor_id}", ram=512, vcpus=1, disk=1, is_public=True)


def client_with(openstack_config, fake: FakeCloud, **settings):
    settings.setdefault("clouds", {"alpha": {}})
    return make_client(openstack_config, fake, **settings)


def test_region_500_keeps_other_region(openstack_config):
    fake = FakeCloud({"R1": FakeRegion(flavors=[flavor("a")]), "R2": FakeRegion(flavors=http_error(500, "db down"))})
    body = client_with(openstack_config, fake).get("/projects/p1/flavors").json()
    assert [(item["id"], item["region"]) for item in body["items"]] == [("a", "R1")]
    assert body["errors"][0]["region"] == "R2"
    assert body["errors"][0]["status"] == 502
    assert "db down" in body["errors"][0]["reason"]


def test_region_timeout_reported(openstack_config):
    fake = FakeCloud({"R1": FakeRegion(flavors=[flavor("a")]), "R2": FakeRegion(flavors=[flavor("b")], delay=2)})
    body = client_with(openstack_config, fake, region_timeout=0.3).get("/projects/p1/flavors").json()
    assert [item["region"] for item in body["items"]] == ["R1"]
    assert body["errors"] == [
        {"cloud": "alpha", "region": "R2", "status": 504, "reason": "cloud alpha region R2 timed out: no response within 0.3 s"}
    ]


def test_sdk_timeout_reported(openstack_config):
    timeout = ksa_exceptions.ConnectTimeout("Request to http://127.0.0.1:1/R2 timed out")
    fake = FakeCloud({"R1": FakeRegion(flavors=[flavor("a")]), "R2": FakeRegion(flavors=timeout)})
    body = client_with(openstack_config, fake).get("/projects/p1/flavors").json()
    assert body["errors"][0]["status"] == 504
    assert body["errors"][0]["region"] == "R2"


def test_unknown_project_404(openstack_config):
    response = client_with(openstack_config, FakeCloud()).get("/projects/nope/flavors")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_unknown_region_404(openstack_config):
    response = client_with(openstack_config, FakeCloud()).get("/projects/p1/regions/R9/rcfile")
    assert response.status_code == 404
    assert "R9" in response.json()["detail"]


def test_settings_regions_limit_project(openstack_config):
    client = client_with(openstack_config, FakeCloud(), clouds={"alpha": {"regions": ["R2"]}})
    projects = client.get("/projects").json()["items"]
    assert {project["id"]: project["regions"] for project in projects} == {"p1": ["R2"], "p2": ["R2"]}


def test_shared_project_listed_once(openstack_config):
    client = client_with(openstack_config, FakeCloud(), clouds={"beta": {}, "alpha": {}})
    projects = client.get("/projects").json()["items"]
    assert [(project["id"], project["cloud"]) for project in projects] == [("p1", "beta"), ("p2", "beta")]


def test_keypair_create_rolled_back(openstack_config):
    fake = FakeCloud({"R1": FakeRegion(), "R2": FakeRegion(create_keypair_error=http_error(500, "nova broke"))})
    response = client_with(openstack_config, fake).post("/keypairs", json={"name": "k", "public_key": PUBLIC_KEY})
    body = response.json()
    assert response.status_code == 502
    assert fake.regions["R1"].keypairs == {}
    assert "removed again from R1" in body["detail"]
    assert [(error["region"], error["status"]) for error in body["failed_regions"]] == [("R2", 502)]


def test_keypair_existing_in_one_region_conflicts(openstack_config):
    existing = Keypair(name="k", public_key=PUBLIC_KEY, fingerprint="old", type="ssh")
    fake = FakeCloud({"R1": FakeRegion(), "R2": FakeRegion(keypairs={"k": existing})})
    response = client_with(openstack_config, fake).post("/keypairs", json={"name": "k", "public_key": PUBLIC_KEY})
    assert response.status_code == 409
    assert fake.regions["R1"].keypairs == {}
    assert fake.regions["R2"].keypairs == {"k": existing}


def test_keypair_fingerprints_differ(openstack_config):
    fake = FakeCloud(
        {
            "R1": FakeRegion(keypairs={"k": Keypair(name="k", public_key="ssh-ed25519 A", fingerprint="f1", type="ssh")}),
            "R2": FakeRegion(keypairs={"k": Keypair(name="k", public_key="ssh-ed25519 B", fingerprint="f2", type="ssh")}),
        }
    )
    (item,) = client_with(openstack_config, fake).get("/keypairs").json()["items"]
    assert item["fingerprints"] == {"R1": "f1", "R2": "f2"}
    assert item["fingerprints_differ"] is True
    assert item["fingerprint"] is None


def test_keypair_missing_region_named(openstack_config):
    only = Keypair(name="k", public_key=PUBLIC_KEY, fingerprint="f1", type="ssh")
    fake = FakeCloud({"R1": FakeRegion(keypairs={"k": only}), "R2": FakeRegion()})
    (item,) = client_with(openstack_config, fake).get("/keypairs").json()["items"]
    assert item["regions"] == ["R1"]
    assert item["missing_regions"] == ["R2"]


def test_keypair_delete_absent_404(openstack_config):
    response = client_with(openstack_config, FakeCloud()).delete("/keypairs/k")
    assert response.status_code == 404
    assert "'k'" in response.json()["detail"]
