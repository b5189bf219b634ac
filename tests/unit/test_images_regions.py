"""Image lists and lookups when one region fails, with Glance faked."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

import requests
from keystoneauth1 import exceptions as ksa_exceptions

from perspective.openstack import Scope
from tests.unit.conftest import make_client
from tests.unit.fakes import FakeCloud

ID_R1 = str(uuid.UUID(int=1))
ID_R2 = str(uuid.UUID(int=2))


def glance_image(image_id: str, name: str) -> dict:
    return {
        "id": image_id,
        "name": name,
        "status": "active",
        "visibility": "private",
        "owner": "p1",
        "protected": False,
        "tags": [],
        "created_at": "2026-01-01T00:00:00Z",
        "self": f"/v2/images/{image_id}",
        "pt_color": "red",
    }


def json_response(status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = "application/json"
    response._content = json.dumps(body).encode()
    response.url = "http://127.0.0.1:1/fake"
    return response


class FakeGlance:
    """Glance's list and show, over a fixed list of images, or failing with `error`."""

    def __init__(self, images: list[dict], error: Exception | None = None) -> None:
        self.images = images
        self.error = error
        self.requests: list[dict] = []

    def get(self, path: str, params: dict | None = None) -> requests.Response:
        self.requests.append({"path": path, **(params or {})})
        if self.error is not None:
            raise self.error
        if path == "/images":
            ids = [image["id"] for image in self.images]
            start = ids.index(params["marker"]) + 1 if params.get("marker") else 0
            page = self.images[start : start + params["limit"]]
            more = start + params["limit"] < len(self.images)
            return json_response(200, {"images": page, **({"next": "/v2/images?marker=x"} if more else {})})
        for image in self.images:
            if path == f"/images/{image['id']}":
                return json_response(200, image)
        return json_response(404, {"message": "not found"})


def client(openstack_config, glances: dict[str, FakeGlance]):
    fake = FakeCloud()
    connect = fake.connect

    def connect_with_glance(scope: Scope) -> SimpleNamespace:
        connection = connect(scope)
        connection.image = glances.get(scope.region)
        return connection

    fake.connect = connect_with_glance
    return make_client(openstack_config, fake, clouds={"alpha": {}})


def unreachable() -> Exception:
    return ksa_exceptions.ConnectFailure("Unable to establish connection to http://127.0.0.1:1/R2")


def test_failed_region_reported_beside_items(openstack_config):
    glances = {"R1": FakeGlance([glance_image(ID_R1, "one")]), "R2": FakeGlance([], unreachable())}
    body = client(openstack_config, glances).get("/projects/p1/images").json()
    assert [(item["id"], item["region"], item["cloud"]) for item in body["items"]] == [(ID_R1, "R1", "alpha")]
    assert body["items"][0]["properties"] == {"pt_color": "red"}
    assert [(error["region"], error["status"]) for error in body["errors"]] == [("R2", 502)]
    assert body["next"] is None


def test_failed_region_asked_again_on_next_page(openstack_config):
    r1_images = [glance_image(str(uuid.UUID(int=10 + index)), f"n{index}") for index in range(3)]
    glances = {"R1": FakeGlance(r1_images), "R2": FakeGlance([], unreachable())}
    api = client(openstack_config, glances)

    first = api.get("/projects/p1/images", params={"limit": 2, "sort": "name:asc"}).json()
    assert [item["name"] for item in first["items"]] == ["n0", "n1"]
    glances["R2"].error = None
    glances["R2"].images = [glance_image(ID_R2, "late")]

    second = api.get(first["next"]).json()
    assert [item["name"] for item in second["items"]] == ["late", "n2"]
    assert second["errors"] == []
    assert glances["R2"].requests[-1].get("marker") is None
    assert glances["R1"].requests[-1]["marker"] == r1_images[1]["id"]


def test_glance_filters_forwarded(openstack_config):
    glances = {"R1": FakeGlance([]), "R2": FakeGlance([])}
    params = {"name": "n", "status": "active", "visibility": "shared", "tag": ["a", "b"], "sort": "size:asc", "limit": 5}
    client(openstack_config, glances).get("/projects/p1/images", params=params)
    sent = glances["R1"].requests[0]
    assert sent["name"] == "n"
    assert sent["status"] == "active"
    assert sent["visibility"] == "shared"
    assert sent["tag"] == ["a", "b"]
    assert sent["sort"] == "size:asc"
    assert sent["limit"] == 6
    assert sent["member_status"] == "accepted"


def test_show_found_in_second_region(openstack_config):
    glances = {"R1": FakeGlance([]), "R2": FakeGlance([glance_image(ID_R2, "two")])}
    response = client(openstack_config, glances).get(f"/projects/p1/images/{ID_R2}")
    assert response.status_code == 200
    assert response.json()["region"] == "R2"


def test_show_missing_with_failed_region_502(openstack_config):
    glances = {"R1": FakeGlance([]), "R2": FakeGlance([], unreachable())}
    response = client(openstack_config, glances).get(f"/projects/p1/images/{ID_R2}")
    assert response.status_code == 502
    body = response.json()
    assert body["failed_regions"][0]["region"] == "R2"
    assert "not found in the regions that responded" in body["detail"]


def test_bulk_with_failed_region_reports_502(openstack_config):
    glances = {"R1": FakeGlance([]), "R2": FakeGlance([], unreachable())}
    response = client(openstack_config, glances).put("/projects/p1/images", json={"ids": [ID_R2], "name": "x"})
    assert response.status_code == 502
    result = response.json()["results"][0]
    assert result["status"] == 502
    assert result["region"] == "R2"


def test_every_region_failed_is_an_error(openstack_config):
    glances = {"R1": FakeGlance([], unreachable()), "R2": FakeGlance([], unreachable())}
    response = client(openstack_config, glances).get("/projects/p1/images")
    assert response.status_code == 502
    assert [error["region"] for error in response.json()["failed_regions"]] == ["R1", "R2"]
