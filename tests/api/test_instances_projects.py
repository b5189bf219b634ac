"""Instances of project ops seen from other projects, and an instance Nova failed to build.

Alice's clouds.yaml entry serves projects dev and ops. The admin's entry
serves project admin, and Nova lets an admin token act on any server, so
Perspective itself must report other projects' instances as not found.
"""

from __future__ import annotations

import pytest

from tests.api.instance_support import (
    PREFIX,
    admin_sdk,  # noqa: F401 - fixture
    by_id,
    created,  # noqa: F401 - fixture
    instances_path,
    launch,  # noqa: F401 - fixture
)
from tests.conftest import ALICE, REGIONS

R1 = REGIONS[0]


@pytest.fixture(scope="module")
def ops_instance(launch, project_ids, sdk) -> str:
    (server_id,) = launch(project_ids["ops"], R1, "ops", networks=["shared"])
    return server_id


@pytest.fixture(scope="module")
def huge_flavor(admin_sdk, project_ids):
    """A private flavor, for project ops only, that no compute host can fit."""
    admin = admin_sdk(R1)
    flavor = admin.compute.create_flavor(
        name=f"{PREFIX}-huge", ram=64 * 1024 * 1024, vcpus=1, disk=1, is_public=False
    )
    admin.compute.flavor_add_tenant_access(flavor, project_ids["ops"])
    yield flavor
    admin.compute.delete_flavor(flavor, ignore_missing=True)


@pytest.mark.parametrize("project", ["dev", "admin"])
def test_other_project_show_404(api, project_ids, ops_instance, project):
    response = api.get(instances_path(project_ids[project], R1, f"/{ops_instance}"))
    assert response.status_code == 404


@pytest.mark.parametrize("project", ["dev", "admin"])
def test_other_project_lock_not_acted(api, project_ids, ops_instance, sdk, project):
    response = api.put(instances_path(project_ids[project], R1, "/lock"), json={"ids": [ops_instance]})
    assert response.status_code == 404
    assert by_id(response)[ops_instance]["status"] == 404
    assert sdk(ALICE, R1, project_ids["ops"]).compute.get_server(ops_instance).is_locked is False


@pytest.mark.parametrize("project", ["dev", "admin"])
def test_other_project_terminate_not_acted(api, project_ids, ops_instance, sdk, project):
    response = api.request(
        "DELETE", instances_path(project_ids[project], R1), params={"id": ops_instance}
    )
    assert response.status_code == 404
    assert sdk(ALICE, R1, project_ids["ops"]).compute.get_server(ops_instance).status == "ACTIVE"


def test_other_project_console_404(api, project_ids, ops_instance):
    path = instances_path(project_ids["admin"], R1, f"/{ops_instance}/console")
    assert api.get(path, follow_redirects=False).status_code == 404


def test_other_project_not_listed(api, project_ids, ops_instance):
    for project in ("dev", "admin"):
        body = api.get(f"/projects/{project_ids[project]}/instances", params={"name": PREFIX}).json()
        assert ops_instance not in [item["id"] for item in body["items"]]
    body = api.get(f"/projects/{project_ids['ops']}/instances", params={"name": PREFIX}).json()
    assert ops_instance in [item["id"] for item in body["items"]]


def test_failed_build_reports_fault(api, project_ids, huge_flavor, created):
    path = instances_path(project_ids["ops"], R1)
    body = {"name": f"{PREFIX}-nohost", "flavor": huge_flavor.name, "image": "cirros-raw", "networks": ["shared"]}
    response = api.post(path, params={"wait": "true", "timeout": 60}, json=body)
    results = response.json()["results"]
    created.servers += [(project_ids["ops"], R1, result["id"]) for result in results]
    assert response.status_code == 502, response.json()
    (result,) = results
    assert result["instance_status"] == "ERROR"
    assert "No valid host" in result["detail"]

    shown = api.get(f"{path}/{result['id']}").json()
    assert shown["status"] == "ERROR"
    assert shown["fault"]["code"] == 500
    assert "No valid host" in shown["fault"]["message"]
    assert "details" not in shown["fault"]
