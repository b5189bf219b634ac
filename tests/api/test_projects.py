"""GET /projects and GET /projects/{id}/access against the micro-cloud."""

from __future__ import annotations

from tests.conftest import ADMIN, ALICE, REGIONS


def projects_by_name(api) -> dict[str, dict]:
    response = api.get("/projects")
    assert response.status_code == 200
    return {project["name"]: project for project in response.json()["items"]}


def test_lists_every_users_projects(api):
    body = api.get("/projects").json()
    assert body["errors"] == []
    assert body["next"] is None
    assert {"dev", "ops", "admin"} <= {project["name"] for project in body["items"]}


def test_project_fields_match_keystone(api, sdk, project_ids):
    ops = projects_by_name(api)["ops"]
    keystone = sdk(ADMIN, REGIONS[0]).identity.get_project(project_ids["ops"])
    assert ops["id"] == keystone.id
    assert ops["domain_id"] == keystone.domain_id
    assert ops["description"] == keystone.description
    assert ops["enabled"] is True


def test_member_projects_beyond_clouds_yaml(api):
    # alice's clouds.yaml entry is scoped to dev; ops comes from Keystone.
    assert projects_by_name(api)["ops"]["cloud"] == ALICE


def test_shared_project_listed_once(api):
    names = [project["name"] for project in api.get("/projects").json()["items"]]
    assert names.count("dev") == 1
    assert projects_by_name(api)["dev"]["cloud"] == ALICE


def test_regions_match_cli(api, cli):
    cli_regions = sorted(region["Region"] for region in cli("--os-cloud", ADMIN, "region", "list"))
    for project in api.get("/projects").json()["items"]:
        assert sorted(project["regions"]) == cli_regions == list(REGIONS)


def test_access_groups_catalog_by_region(api, project_ids):
    body = api.get(f"/projects/{project_ids['dev']}/access").json()
    assert body["project_id"] == project_ids["dev"]
    assert body["cloud"] == ALICE
    assert set(REGIONS) <= set(body["regions"])
    for region in REGIONS:
        types = {endpoint["type"] for endpoint in body["regions"][region]["public"]}
        assert {"compute", "network", "image", "identity"} <= types


def test_access_urls_match_sdk(api, sdk, project_ids):
    body = api.get(f"/projects/{project_ids['ops']}/access").json()
    for region in REGIONS:
        compute = [e for e in body["regions"][region]["public"] if e["type"] == "compute"]
        expected = sdk(ALICE, region, project_ids["ops"]).endpoint_for("compute", interface="public")
        assert [endpoint["url"] for endpoint in compute] == [expected]


def test_access_regions_differ(api, project_ids):
    regions = api.get(f"/projects/{project_ids['dev']}/access").json()["regions"]
    first, second = (
        {e["url"] for e in regions[region]["public"] if e["type"] == "compute"} for region in REGIONS
    )
    assert first != second


def test_access_unknown_project_404(api):
    response = api.get("/projects/0000000000000000000000000000dead/access")
    assert response.status_code == 404
    assert "0000000000000000000000000000dead" in response.json()["detail"]


def test_project_name_accepted_in_paths(api, project_ids):
    by_name = api.get("/projects/dev/flavors")
    by_id = api.get(f"/projects/{project_ids['dev']}/flavors")

    assert by_name.status_code == 200
    assert sorted(f["id"] for f in by_name.json()["items"]) == sorted(f["id"] for f in by_id.json()["items"])


def test_unknown_project_name_not_found(api):
    response = api.get("/projects/no-such-project/flavors")

    assert response.status_code == 404
    assert "no-such-project" in response.json()["detail"]
