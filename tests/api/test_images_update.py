"""Modifying images in bulk, checked in Glance through openstacksdk."""

from __future__ import annotations

import uuid

import pytest

from perspective.models.bulk import MAX_IDS
from tests.conftest import REGIONS
from tests.support.glance import glance_images  # noqa: F401 - fixture

R1, R2 = REGIONS


def images_url(project_ids, project: str = "dev") -> str:
    return f"/projects/{project_ids[project]}/images"


def put(api, project_ids, body: dict, **params):
    return api.put(images_url(project_ids), json=body, params=params)


def results_by_id(response) -> dict[str, dict]:
    return {result["id"]: result for result in response.json()["results"]}


def test_update_core_fields_in_both_regions(api, project_ids, glance_images):
    first, second = glance_images.create(R1), glance_images.create(R2)
    new_name = f"{first.name}-renamed"
    response = put(
        api,
        project_ids,
        {"ids": [first.id, second.id], "name": new_name, "min_disk": 2, "min_ram": 256, "visibility": "shared"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"] == [
        {"id": first.id, "status": 200, "detail": None, "region": R1},
        {"id": second.id, "status": 200, "detail": None, "region": R2},
    ]
    for region, image in ((R1, first), (R2, second)):
        stored = glance_images.get(region, image.id)
        assert stored.name == new_name
        assert stored.min_disk == 2
        assert stored.min_ram == 256
        assert stored.visibility == "shared"


def test_update_protected_flag(api, project_ids, glance_images):
    image = glance_images.create(R2)
    assert put(api, project_ids, {"ids": [image.id], "protected": True}).status_code == 200
    assert glance_images.get(R2, image.id).is_protected is True
    assert put(api, project_ids, {"ids": [image.id], "protected": False}).status_code == 200
    assert glance_images.get(R2, image.id).is_protected is False


def test_tags_set_replaces_all(api, project_ids, glance_images):
    image = glance_images.create(R1, tags=["old-a", "old-b"])
    response = put(api, project_ids, {"ids": [image.id], "tags": {"set": ["new-a", "new-b", "new-a"]}})
    assert response.status_code == 200, response.text
    assert sorted(glance_images.get(R1, image.id).tags) == ["new-a", "new-b"]


def test_tags_add_and_remove(api, project_ids, glance_images):
    image = glance_images.create(R2, tags=["keep", "drop"])
    body = {"ids": [image.id], "tags": {"add": ["extra", "keep"], "remove": ["drop", "never-there"]}}
    assert put(api, project_ids, body).status_code == 200
    assert sorted(glance_images.get(R2, image.id).tags) == ["extra", "keep"]


def test_tags_set_empty_clears(api, project_ids, glance_images):
    image = glance_images.create(R1, tags=["a", "b"])
    assert put(api, project_ids, {"ids": [image.id], "tags": {"set": []}}).status_code == 200
    assert glance_images.get(R1, image.id).tags == []


def test_properties_set_and_remove(api, project_ids, glance_images):
    image = glance_images.create(R1, properties={"pt_stale": "yes", "pt_color": "red", "os_distro": "cirros"})
    body = {
        "ids": [image.id],
        "properties": {
            "set": {"pt_color": "blue", "pt_new": "1", "hw_disk_bus": "scsi", "pt/path~key": "odd"},
            "remove": ["pt_stale", "pt_absent"],
        },
    }
    response = put(api, project_ids, body)
    assert response.status_code == 200, response.text

    stored = glance_images.raw(R1, image.id)
    assert stored["pt_color"] == "blue"
    assert stored["pt_new"] == "1"
    assert stored["hw_disk_bus"] == "scsi"
    assert stored["pt/path~key"] == "odd"
    assert stored["os_distro"] == "cirros"
    assert "pt_stale" not in stored
    assert glance_images.get(R1, image.id).properties["pt_color"] == "blue"


def test_properties_shown_after_update(api, project_ids, glance_images):
    image = glance_images.create(R2)
    put(api, project_ids, {"ids": [image.id], "properties": {"set": {"pt_team": "green"}}})
    image_body = api.get(f"{images_url(project_ids)}/{image.id}").json()
    assert image_body["properties"]["pt_team"] == "green"


def test_unchanged_image_succeeds(api, project_ids, glance_images):
    image = glance_images.create(R1, tags=["same"])
    response = put(api, project_ids, {"ids": [image.id], "tags": {"add": ["same"]}})
    assert response.status_code == 200
    assert glance_images.get(R1, image.id).tags == ["same"]


def test_duplicate_ids_act_once(api, project_ids, glance_images):
    image = glance_images.create(R1)
    response = put(api, project_ids, {"ids": [image.id, image.id, image.id], "min_ram": 64})
    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [image.id]


def test_other_project_image_reported_404(api, project_ids, glance_images):
    ops_image = glance_images.create(R1, project="ops", tags=["ops-tag"])
    mine = glance_images.create(R2)
    response = put(api, project_ids, {"ids": [ops_image.id, mine.id], "tags": {"set": ["changed"]}})
    assert response.status_code == 207
    results = results_by_id(response)
    assert results[ops_image.id]["status"] == 404
    assert ops_image.id in results[ops_image.id]["detail"]
    assert results[mine.id]["status"] == 200
    assert glance_images.get(R1, ops_image.id, project="ops").tags == ["ops-tag"]
    assert glance_images.get(R2, mine.id).tags == ["changed"]


def test_public_image_of_admin_forbidden(api, project_ids, glance_images):
    cirros = next(
        item for item in api.get(images_url(project_ids), params={"name": "cirros-raw"}).json()["items"]
    )
    response = put(api, project_ids, {"ids": [cirros["id"]], "properties": {"set": {"pt_mark": "x"}}})
    assert response.status_code == 403
    result = response.json()["results"][0]
    assert result["status"] == 403
    assert "Glance does not allow" in result["detail"]
    stored = glance_images.raw(cirros["region"], cirros["id"])
    assert "pt_mark" not in stored


def test_all_unknown_ids_share_404(api, project_ids):
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    response = put(api, project_ids, {"ids": ids, "name": "x"})
    assert response.status_code == 404
    assert [result["status"] for result in response.json()["results"]] == [404, 404]


@pytest.mark.parametrize("visibility", ["everyone", "PUBLIC", "", 1])
def test_invalid_visibility_changes_nothing(api, project_ids, glance_images, visibility):
    image = glance_images.create(R1)
    response = put(api, project_ids, {"ids": [image.id], "visibility": visibility, "name": "must-not-apply"})
    assert response.status_code == 422
    stored = glance_images.get(R1, image.id)
    assert stored.visibility == "private"
    assert stored.name == image.name


@pytest.mark.parametrize("name", ["id", "status", "owner", "checksum", "size", "os_glance_import_task", "locations"])
def test_reserved_property_rejected(api, project_ids, glance_images, name):
    image = glance_images.create(R2)
    response = put(api, project_ids, {"ids": [image.id], "properties": {"set": {name: "x"}}, "min_ram": 1})
    assert response.status_code == 422
    assert name in response.text
    assert glance_images.get(R2, image.id).min_ram == 0


@pytest.mark.parametrize(
    "body",
    [
        {"ids": []},
        {"ids": [], "name": "x"},
        {"ids": ["not-a-uuid"], "name": "x"},
        {"name": "x"},
        {"ids": [str(uuid.uuid4())]},
        {"ids": [str(uuid.uuid4())], "tags": {"set": ["a"], "add": ["b"]}},
        {"ids": [str(uuid.uuid4())], "tags": {"add": ["a"], "remove": ["a"]}},
        {"ids": [str(uuid.uuid4())], "properties": {"set": {"k": "v"}, "remove": ["k"]}},
        {"ids": [str(uuid.uuid4())], "min_disk": -1},
        {"ids": [str(uuid.uuid4())], "name": "x", "unknown": 1},
    ],
)
def test_invalid_update_body_422(api, project_ids, body):
    response = put(api, project_ids, body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_too_many_ids_rejected_first(api, project_ids, glance_images):
    image = glance_images.create(R1)
    ids = [image.id] + [str(uuid.uuid4()) for _ in range(MAX_IDS)]
    response = put(api, project_ids, {"ids": ids, "name": "must-not-apply"})
    assert response.status_code == 422
    assert glance_images.get(R1, image.id).name == image.name


def test_update_unknown_region_404(api, project_ids, glance_images):
    image = glance_images.create(R1, data=None)
    response = put(api, project_ids, {"ids": [image.id], "name": "x"}, region="Atlantis")
    assert response.status_code == 404
    assert glance_images.get(R1, image.id).name == image.name
