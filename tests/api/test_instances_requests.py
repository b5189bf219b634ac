"""Bulk request bodies: limits on ids, DELETE with a query string, and rejected
requests that change nothing."""

from __future__ import annotations

import uuid

import pytest

from perspective.models.bulk import MAX_IDS
from tests.api.instance_support import (
    UNKNOWN_ID,
    by_id,
    created,  # noqa: F401 - fixture
    instances_path,
    launch,  # noqa: F401 - fixture
)
from tests.conftest import ALICE, REGIONS

R1 = REGIONS[0]


@pytest.fixture(scope="module")
def subject(launch, project_ids, sdk):
    (server_id,) = launch(project_ids["dev"], R1, "requests")
    return server_id, sdk(ALICE, R1, project_ids["dev"])


@pytest.fixture
def path(project_ids):
    return lambda suffix="": instances_path(project_ids["dev"], R1, suffix)


def assert_untouched(subject) -> None:
    server_id, connection = subject
    server = connection.compute.get_server(server_id)
    assert server.status == "ACTIVE"
    assert server.task_state is None
    assert server.is_locked is False
    assert server.flavor.original_name == "m1.nano"
    assert server.tags == []


@pytest.mark.parametrize("ids", [[], [str(uuid.uuid4()) for _ in range(MAX_IDS + 1)]])
def test_ids_count_422(api, path, subject, ids):
    response = api.put(path("/lock"), json={"ids": ids + [subject[0]]} if ids else {"ids": []})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.ids"
    assert_untouched(subject)


SUBJECT = "subject"


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("/lock", {}, "body.ids"),
        ("/lock", {"ids": [""]}, "body.ids.0"),
        ("/reboot", {"ids": [SUBJECT], "type": "GENTLE"}, "body.type"),
        ("/resize", {"ids": [SUBJECT], "flavour": "m1.micro"}, "body.flavour"),
        ("/snapshot", {"ids": [SUBJECT]}, "body.name"),
        ("/tag", {"ids": [SUBJECT], "tags": ["a,b"]}, "body.tags.0"),
    ],
)
def test_invalid_body_422(api, path, subject, suffix, body, field):
    method = "POST" if suffix == "/tag" else "PUT"
    if body.get("ids") == [SUBJECT]:
        body = {**body, "ids": [subject[0]]}
    response = api.request(method, path(suffix), json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert_untouched(subject)


@pytest.mark.parametrize("timeout", [0, 301])
def test_wait_timeout_bounds_422(api, path, subject, timeout):
    response = api.put(path("/reboot"), params={"wait": "true", "timeout": timeout}, json={"ids": [subject[0]]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.timeout"
    assert_untouched(subject)


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("/resize", {"flavor": "m1.gigantic"}, "flavor"),
        ("/rebuild", {"image": "no-such-image"}, "image"),
        ("/ip", {"network": "no-such-network"}, "network"),
    ],
)
def test_bad_parameter_400_changes_nothing(api, path, subject, suffix, body, field):
    response = api.put(path(suffix), json={"ids": [subject[0], UNKNOWN_ID], **body})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert body[field] in response.json()["detail"]
    assert_untouched(subject)


def test_all_unknown_404(api, path):
    other = str(uuid.uuid4())
    response = api.put(path("/pause"), json={"ids": [UNKNOWN_ID, other, "not-a-uuid"]})
    assert response.status_code == 404
    assert set(by_id(response)) == {UNKNOWN_ID, other, "not-a-uuid"}
    assert {result["status"] for result in response.json()["results"]} == {404}


def test_delete_ids_in_query(api, path):
    other = str(uuid.uuid4())
    response = api.delete(path(), params={"id": [UNKNOWN_ID, other]})
    assert response.status_code == 404
    assert list(by_id(response)) == [UNKNOWN_ID, other]


def test_delete_body_and_query_400(api, path, subject):
    response = api.request("DELETE", path(), params={"id": subject[0]}, json={"ids": [subject[0]]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "id"
    assert_untouched(subject)


def test_delete_without_ids_422(api, path, subject):
    response = api.delete(path())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.ids"
    assert_untouched(subject)


def test_delete_too_many_query_ids_422(api, path, subject):
    ids = [str(uuid.uuid4()) for _ in range(MAX_IDS)] + [subject[0]]
    response = api.delete(path(), params={"id": ids})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.id"
    assert_untouched(subject)


def test_untag_by_query(api, path, subject):
    server_id, connection = subject
    connection.compute.add_tag_to_server(server_id, "query-tag")
    response = api.delete(path("/tag"), params={"id": server_id, "tag": "query-tag"})
    assert response.status_code == 200
    assert by_id(response)[server_id]["tags"] == []
    assert connection.compute.get_server(server_id).tags == []


def test_tag_with_reserved_characters(api, path, subject):
    server_id, connection = subject
    response = api.post(path("/tag"), json={"ids": [server_id], "tags": ["a?b#c d%"]})
    assert response.status_code == 200
    assert connection.compute.get_server(server_id).tags == ["a?b#c d%"]
    response = api.delete(path("/tag"), params={"id": server_id, "tag": "a?b#c d%"})
    assert by_id(response)[server_id]["tags"] == []
    assert connection.compute.get_server(server_id).tags == []


def test_unknown_region_404(api, project_ids, subject):
    response = api.put(instances_path(project_ids["dev"], "RegionNine", "/lock"), json={"ids": [subject[0]]})
    assert response.status_code == 404
    assert_untouched(subject)


def test_openapi_documents_bulk_statuses(api):
    spec = api.get("/openapi.json").json()
    operation = spec["paths"]["/projects/{project_id}/regions/{region}/instances/pause"]["put"]
    assert {"200", "202", "207", "409", "422"} <= set(operation["responses"])
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("InstanceIdsRequest")
