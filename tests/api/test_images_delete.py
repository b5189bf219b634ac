"""Deleting images in bulk: protected, in use, foreign and unknown images among them."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import REGIONS
from tests.support.glance import glance_images  # noqa: F401 - fixture

R1, R2 = REGIONS
SERVER_WAIT_SECONDS = 120


def images_url(project_ids, project: str = "dev") -> str:
    return f"/projects/{project_ids[project]}/images"


def delete(api, project_ids, body: dict | None = None, **params):
    return api.request("DELETE", images_url(project_ids), json=body, params=params)


def results_by_id(response) -> dict[str, dict]:
    return {result["id"]: result for result in response.json()["results"]}


@pytest.fixture
def server_booted_from(glance_images):
    """Boot a dev server in RegionOne from an image; delete it after the test."""
    servers = []

    def boot(image_id: str):
        connection = glance_images.connection(R1)
        flavor = connection.compute.find_flavor("m1.nano", ignore_missing=False)
        network = connection.network.find_network("dev-net", ignore_missing=False)
        server = connection.compute.create_server(
            name=f"pt-img-server-{uuid.uuid4().hex[:8]}",
            flavor_id=flavor.id,
            image_id=image_id,
            networks=[{"uuid": network.id}],
        )
        servers.append(server)
        return connection.compute.wait_for_server(server, wait=SERVER_WAIT_SECONDS)

    yield boot
    connection = glance_images.connection(R1)
    for server in servers:
        connection.compute.delete_server(server, ignore_missing=True)
        connection.compute.wait_for_delete(server, wait=SERVER_WAIT_SECONDS)


def test_delete_in_both_regions(api, project_ids, glance_images):
    first, second = glance_images.create(R1), glance_images.create(R2, data=None)
    response = delete(api, project_ids, {"ids": [first.id, second.id]})
    assert response.status_code == 200, response.text
    assert response.json()["results"] == [
        {"id": first.id, "status": 200, "detail": None, "region": R1},
        {"id": second.id, "status": 200, "detail": None, "region": R2},
    ]
    assert glance_images.get(R1, first.id) is None
    assert glance_images.get(R2, second.id) is None


def test_protected_image_kept_others_deleted(api, project_ids, glance_images):
    protected = glance_images.create(R1, protected=True)
    plain_r1, plain_r2 = glance_images.create(R1), glance_images.create(R2)
    response = delete(api, project_ids, {"ids": [plain_r1.id, protected.id, plain_r2.id]})
    assert response.status_code == 207
    results = results_by_id(response)
    assert results[protected.id]["status"] == 409
    assert "protected" in results[protected.id]["detail"]
    assert results[plain_r1.id]["status"] == 200
    assert results[plain_r2.id]["status"] == 200
    assert glance_images.get(R1, protected.id) is not None
    assert glance_images.get(R1, plain_r1.id) is None
    assert glance_images.get(R2, plain_r2.id) is None


def test_other_project_image_kept(api, project_ids, glance_images):
    ops_image = glance_images.create(R2, project="ops")
    mine = glance_images.create(R2)
    response = delete(api, project_ids, {"ids": [ops_image.id, mine.id]})
    assert response.status_code == 207
    results = results_by_id(response)
    assert results[ops_image.id]["status"] == 404
    assert results[mine.id]["status"] == 200
    assert glance_images.get(R2, ops_image.id, project="ops") is not None


def test_shared_image_of_other_project_forbidden(api, project_ids, glance_images):
    shared = glance_images.create(R1, project="ops", visibility="shared")
    glance_images.connection(R1, "ops").image.add_member(shared.id, member_id=project_ids["dev"])
    response = delete(api, project_ids, {"ids": [shared.id]})
    assert response.status_code == 403
    assert "Glance does not allow" in response.json()["results"][0]["detail"]
    assert glance_images.get(R1, shared.id, project="ops") is not None


def test_public_seeded_image_forbidden(api, project_ids, glance_images):
    cirros = api.get(images_url(project_ids), params={"name": "cirros-raw"}).json()["items"][0]
    response = delete(api, project_ids, {"ids": [cirros["id"]]})
    assert response.status_code == 403
    assert glance_images.get(cirros["region"], cirros["id"]) is not None


def test_image_in_use_kept_unless_forced(api, project_ids, glance_images, server_booted_from):
    image = glance_images.create(R1)
    server = server_booted_from(image.id)

    response = delete(api, project_ids, {"ids": [image.id]})
    assert response.status_code == 409
    detail = response.json()["results"][0]["detail"]
    assert "in use" in detail
    assert server.id in detail
    assert glance_images.get(R1, image.id) is not None

    forced = delete(api, project_ids, {"ids": [image.id], "force": True})
    assert forced.status_code == 200
    assert glance_images.get(R1, image.id) is None


def test_delete_ids_in_query(api, project_ids, glance_images):
    first, second = glance_images.create(R1, data=None), glance_images.create(R2, data=None)
    response = delete(api, project_ids, id=[first.id, second.id])
    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [first.id, second.id]
    assert glance_images.get(R1, first.id) is None
    assert glance_images.get(R2, second.id) is None


def test_delete_duplicate_ids_once(api, project_ids, glance_images):
    image = glance_images.create(R2, data=None)
    response = delete(api, project_ids, {"ids": [image.id, image.id]})
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": image.id, "status": 200, "detail": None, "region": R2}]


def test_delete_unknown_id_404(api, project_ids):
    missing = str(uuid.uuid4())
    response = delete(api, project_ids, {"ids": [missing]})
    assert response.status_code == 404
    assert missing in response.json()["results"][0]["detail"]


def test_body_and_query_together_400(api, project_ids, glance_images):
    image = glance_images.create(R1, data=None)
    response = delete(api, project_ids, {"ids": [image.id]}, id=[image.id])
    assert response.status_code == 400
    assert glance_images.get(R1, image.id) is not None


@pytest.mark.parametrize(
    ("body", "params"),
    [
        (None, {}),
        ({"ids": []}, {}),
        (None, {"id": "not-a-uuid"}),
        ({"ids": ["not-a-uuid"]}, {}),
    ],
)
def test_invalid_delete_request_422(api, project_ids, body, params):
    response = delete(api, project_ids, body, **params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_invalid_id_among_valid_deletes_nothing(api, project_ids, glance_images):
    image = glance_images.create(R1, data=None)
    response = delete(api, project_ids, id=[image.id, "not-a-uuid"])
    assert response.status_code == 422
    assert glance_images.get(R1, image.id) is not None
