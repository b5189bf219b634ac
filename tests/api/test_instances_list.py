"""Instance lists (filters, sort, pages), one instance, its console and its log.

Other engineers launch instances in the same projects, so every list query
here filters on this run's name prefix.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pytest

from tests.api.instance_support import (
    PREFIX,
    UNKNOWN_ID,
    created,  # noqa: F401 - fixture
    instances_path,
    launch,  # noqa: F401 - fixture
    settle,
)
from tests.conftest import ALICE, REGIONS

R1, R2 = REGIONS


@dataclass
class Listed:
    red: str
    red_blue: str
    blue_off: str
    other_region: str
    connection: object


@pytest.fixture(scope="module")
def listed(launch, project_ids, sdk) -> Listed:
    """Three instances in RegionOne (tags red / red+blue / blue, the last shut off), one in RegionTwo."""
    dev = project_ids["dev"]
    red, red_blue, blue_off = launch(dev, R1, "list", count=3)
    (other_region,) = launch(dev, R2, "list-r2")
    connection = sdk(ALICE, R1, dev)
    connection.compute.add_tag_to_server(red, "red")
    connection.compute.add_tag_to_server(red_blue, "red")
    connection.compute.add_tag_to_server(red_blue, "blue")
    connection.compute.add_tag_to_server(blue_off, "blue")
    connection.compute.stop_server(blue_off)
    settle(connection, blue_off, "SHUTOFF")
    return Listed(red, red_blue, blue_off, other_region, connection)


@pytest.fixture
def region_list(api, project_ids):
    def get(**params):
        params.setdefault("name", f"{PREFIX}-list")
        return api.get(instances_path(project_ids["dev"], R1), params=params)

    return get


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


def test_list_item_matches_nova(region_list, listed):
    (item,) = [item for item in region_list().json()["items"] if item["id"] == listed.red]
    server = listed.connection.compute.get_server(listed.red)
    fixed = server.addresses["dev-net"][0]["addr"]

    assert item["name"] == server.name == f"{PREFIX}-list-1"
    assert item["status"] == "ACTIVE"
    assert item["task_state"] is None
    assert item["power_state"] == "running"
    assert item["flavor"]["name"] == "m1.nano"
    assert item["flavor"]["id"] == listed.connection.compute.find_flavor("m1.nano", ignore_missing=False).id
    assert item["image"] == {"id": server.image.id, "name": "cirros-raw"}
    assert item["addresses"]["dev-net"][0]["addr"] == fixed
    assert item["addresses"]["dev-net"][0]["type"] == "fixed"
    assert item["key_name"] is None
    assert item["availability_zone"] == server.availability_zone
    assert item["tags"] == ["red"]
    assert item["locked"] is False
    assert item["created"] and item["updated"]
    assert item["region"] == R1
    assert item["cloud"] == ALICE


def test_filter_name_ignores_case(region_list, listed):
    ids = ids_of(region_list(name=f"{PREFIX}-LIST"))
    assert sorted(ids) == sorted([listed.red, listed.red_blue, listed.blue_off])


def test_filter_status(region_list, listed):
    assert ids_of(region_list(status="shutoff")) == [listed.blue_off]


def test_filter_status_any_of(region_list, listed):
    assert len(ids_of(region_list(status=["ACTIVE", "SHUTOFF"]))) == 3


def test_filter_tags_all_of(region_list, listed):
    assert ids_of(region_list(tag="red,blue")) == [listed.red_blue]
    assert sorted(ids_of(region_list(tag="red"))) == sorted([listed.red, listed.red_blue])


def test_filter_ip_address(region_list, listed):
    address = listed.connection.compute.get_server(listed.red).addresses["dev-net"][0]["addr"]
    assert ids_of(region_list(ip=address)) == [listed.red]


def test_filter_ip_network(region_list, listed):
    address = listed.connection.compute.get_server(listed.red).addresses["dev-net"][0]["addr"]
    network = ipaddress.ip_network(f"{address}/16", strict=False)
    assert len(ids_of(region_list(ip=str(network)))) == 3
    assert ids_of(region_list(ip="2001:db8::/32")) == []


def test_sort_name_descending(region_list, listed):
    assert ids_of(region_list(sort="-name")) == [listed.blue_off, listed.red_blue, listed.red]


def test_sort_status_then_name(region_list, listed):
    assert ids_of(region_list(sort="-status,name")) == [listed.blue_off, listed.red, listed.red_blue]


def test_pages_follow_next(api, region_list, listed):
    response = region_list(sort="name", limit=1)
    seen = ids_of(response)
    while response.json()["next"]:
        assert "marker=" in response.json()["next"]
        response = api.get(response.json()["next"])
        seen += ids_of(response)
    assert seen == [listed.red, listed.red_blue, listed.blue_off]


def test_unknown_marker_400(region_list, listed):
    response = region_list(marker=UNKNOWN_ID)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "marker"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "size"}, "query.sort"),
        ({"status": "RUNNING"}, "query.status"),
        ({"ip": "not-an-ip"}, "query.ip"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 1001}, "query.limit"),
        ({"colour": "red"}, "query.colour"),
    ],
)
def test_invalid_query_422(region_list, params, field):
    response = region_list(**params)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


def test_project_list_spans_regions(api, project_ids, listed):
    response = api.get(f"/projects/{project_ids['dev']}/instances", params={"name": f"{PREFIX}-list"})
    body = response.json()
    assert response.status_code == 200
    assert body["errors"] == []
    regions = {item["id"]: item["region"] for item in body["items"]}
    assert regions == {listed.red: R1, listed.red_blue: R1, listed.blue_off: R1, listed.other_region: R2}


def test_project_list_pages_across_regions(api, project_ids, listed):
    path = f"/projects/{project_ids['dev']}/instances"
    response = api.get(path, params={"name": f"{PREFIX}-list", "sort": "-name", "limit": 3})
    first = ids_of(response)
    second = ids_of(api.get(response.json()["next"]))
    assert first == [listed.other_region, listed.blue_off, listed.red_blue]
    assert second == [listed.red]


def test_unknown_region_404(api, project_ids):
    response = api.get(instances_path(project_ids["dev"], "RegionNine"))
    assert response.status_code == 404
    assert "RegionNine" in response.json()["detail"]


def test_show_instance(api, project_ids, listed):
    response = api.get(instances_path(project_ids["dev"], R1, f"/{listed.red_blue}"))
    body = response.json()
    assert response.status_code == 200
    assert body["id"] == listed.red_blue
    assert sorted(body["tags"]) == ["blue", "red"]
    assert body["fault"] is None


@pytest.mark.parametrize("instance_id", [UNKNOWN_ID, "not-a-uuid", "..%2Fflavors"])
def test_show_unknown_404(api, project_ids, instance_id):
    response = api.get(instances_path(project_ids["dev"], R1, f"/{instance_id}"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_show_other_region_404(api, project_ids, listed):
    response = api.get(instances_path(project_ids["dev"], R2, f"/{listed.red}"))
    assert response.status_code == 404


def test_console_redirects(api, project_ids, listed):
    response = api.get(
        instances_path(project_ids["dev"], R1, f"/{listed.red}/console"), follow_redirects=False
    )
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://127.0.0.1:6080/vnc_lite.html?")
    assert "token" in response.headers["location"]


def test_console_disabled_type_409(api, project_ids, listed):
    path = instances_path(project_ids["dev"], R1, f"/{listed.red}/console")
    response = api.get(path, params={"type": "spice-html5"}, follow_redirects=False)
    assert response.status_code == 409
    assert "Unavailable console type spice-html5" in response.json()["detail"]


def test_console_unknown_type_422(api, project_ids, listed):
    path = instances_path(project_ids["dev"], R1, f"/{listed.red}/console")
    response = api.get(path, params={"type": "telnet"}, follow_redirects=False)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.type"


def test_log_whole(api, project_ids, listed):
    response = api.get(instances_path(project_ids["dev"], R1, f"/{listed.red}/log"))
    expected = listed.connection.compute.get_server_console_output(listed.red)["output"]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == expected
    assert len(expected.splitlines()) > 1


def test_log_last_line(api, project_ids, listed):
    response = api.get(instances_path(project_ids["dev"], R1, f"/{listed.red}/log"), params={"lines": 1})
    expected = listed.connection.compute.get_server_console_output(listed.red)["output"].splitlines()[-1]
    assert response.status_code == 200
    assert response.text.splitlines() == [expected]


@pytest.mark.parametrize("lines", [0, -3])
def test_log_lines_positive_422(api, project_ids, listed, lines):
    response = api.get(instances_path(project_ids["dev"], R1, f"/{listed.red}/log"), params={"lines": lines})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.lines"
