"""Problem-details errors from the real clouds."""

from __future__ import annotations

import shutil
import socket

import pytest
import yaml
from fastapi.testclient import TestClient
from openstack.config import OpenStackConfig

from perspective.app import create_app
from perspective.errors import ConfigurationError
from perspective.settings import Settings
from tests.conftest import ALICE, API_TOKEN, BOB


def client_for(clouds_yaml_path, clouds: dict) -> TestClient:
    config = OpenStackConfig(
        config_files=[str(clouds_yaml_path)], vendor_files=[], secure_files=[], load_envvars=False
    )
    app = create_app(Settings(api_tokens=[API_TOKEN], clouds=clouds), config)
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {API_TOKEN}"
    return client


def with_wrong_password(clouds_yaml, tmp_path, cloud: str):
    path = tmp_path / "clouds.yaml"
    shutil.copy(clouds_yaml, path)
    document = yaml.safe_load(path.read_text())
    document["clouds"][cloud]["auth"]["password"] = "wrong-password"
    path.write_text(yaml.safe_dump(document))
    return path


def test_unknown_project_problem(api):
    response = api.get("/projects/ffffffffffffffffffffffffffffffff/networks")
    body = response.json()
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert body["title"] == "Not Found"
    assert body["status"] == 404
    assert "ffffffffffffffffffffffffffffffff" in body["detail"]


def test_unknown_region_problem(api, project_ids):
    response = api.get(f"/projects/{project_ids['ops']}/regions/regionone/availability_zones")
    assert response.status_code == 404
    assert "RegionOne, RegionTwo" in response.json()["detail"]


def test_bad_json_422(api):
    response = api.post(
        "/keypairs", params={"cloud": ALICE}, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_cloud_parameter_400(api):
    response = api.get("/keypairs", params={"cloud": "microcloud-carol"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cloud"


def test_rejected_credentials_reported_per_cloud(clouds_yaml, tmp_path):
    client = client_for(with_wrong_password(clouds_yaml, tmp_path, BOB), {ALICE: {}, BOB: {}})
    body = client.get("/projects").json()
    assert {project["name"] for project in body["items"]} >= {"dev", "ops"}
    assert [(error["cloud"], error["status"]) for error in body["errors"]] == [(BOB, 502)]
    assert "rejected the configured credentials" in body["errors"][0]["reason"]
    assert "wrong-password" not in str(body)


def test_rejected_credentials_502(clouds_yaml, tmp_path, project_ids):
    client = client_for(with_wrong_password(clouds_yaml, tmp_path, ALICE), {ALICE: {}})
    response = client.get(f"/projects/{project_ids['dev']}/flavors")
    body = response.json()
    assert response.status_code == 502
    assert ALICE in body["detail"]
    assert "wrong-password" not in response.text


def test_settings_limit_regions(clouds_yaml, project_ids):
    client = client_for(clouds_yaml, {ALICE: {"regions": ["RegionTwo"]}})
    body = client.get(f"/projects/{project_ids['dev']}/flavors").json()
    assert body["errors"] == []
    assert {item["region"] for item in body["items"]} == {"RegionTwo"}
    assert client.get(f"/projects/{project_ids['dev']}/regions/RegionOne/rcfile").status_code == 404


def test_unknown_entry_stops_startup(clouds_yaml):
    with pytest.raises(ConfigurationError) as raised:
        client_for(clouds_yaml, {ALICE: {}, "microcloud-carol": {}})
    assert "microcloud-carol" in raised.value.detail
    assert ALICE in raised.value.detail


def with_compute_override(clouds_yaml, tmp_path, cloud: str, region: str, url: str):
    """Copy clouds.yaml, sending one region's compute calls of one entry to `url`."""
    path = tmp_path / "clouds.yaml"
    document = yaml.safe_load(clouds_yaml.read_text())
    document["clouds"][cloud]["regions"] = [
        {"name": name, "values": {"compute_endpoint_override": url}} if name == region else name
        for name in document["clouds"][cloud]["regions"]
    ]
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never sends a byte."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def test_unreachable_region_keeps_other(clouds_yaml, tmp_path, project_ids):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    path = with_compute_override(clouds_yaml, tmp_path, ALICE, "RegionTwo", f"http://127.0.0.1:{closed_port}/v2.1")
    body = client_for(path, {ALICE: {}}).get(f"/projects/{project_ids['dev']}/flavors").json()
    assert body["items"]
    assert {item["region"] for item in body["items"]} == {"RegionOne"}
    assert [(error["region"], error["status"]) for error in body["errors"]] == [("RegionTwo", 502)]
    assert "unable to connect" in body["errors"][0]["reason"]


def test_silent_region_times_out(clouds_yaml, tmp_path, project_ids, silent_port):
    path = with_compute_override(clouds_yaml, tmp_path, ALICE, "RegionOne", f"http://127.0.0.1:{silent_port}/v2.1")
    config = OpenStackConfig(config_files=[str(path)], vendor_files=[], secure_files=[], load_envvars=False)
    settings = Settings(api_tokens=[API_TOKEN], clouds={ALICE: {}}, request_timeout=1, region_timeout=10)
    client = TestClient(create_app(settings, config), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {API_TOKEN}"

    body = client.get(f"/projects/{project_ids['dev']}/flavors").json()
    assert {item["region"] for item in body["items"]} == {"RegionTwo"}
    assert [(error["region"], error["status"]) for error in body["errors"]] == [("RegionOne", 504)]

    response = client.get(f"/projects/{project_ids['dev']}/regions/RegionOne/availability_zones")
    assert response.status_code == 504
    assert response.json()["region"] == "RegionOne"
