"""Bearer tokens and problem-details responses, on an app with no cloud behind it."""

from __future__ import annotations

import pytest

from tests.unit.conftest import make_client


@pytest.fixture
def client(openstack_config):
    return make_client(openstack_config)


def test_missing_token_401(client):
    response = client.get("/projects", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_wrong_token_401(client):
    response = client.get("/keypairs", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "nope" not in response.text
    assert "api_tokens" in response.json()["detail"]


def test_second_token_accepted(openstack_config):
    client = make_client(openstack_config, api_tokens=["first", "second"])
    client.headers["Authorization"] = "Bearer second"
    response = client.post("/keypairs", json={"name": "k"})
    # Past authentication: the request fails on the ambiguous cloud instead.
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs"])
def test_open_paths(client, path):
    assert client.get(path, headers={"Authorization": ""}).status_code == 200


def test_openapi_documents_bodies(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("ProjectList", "FlavorList", "NetworkList", "KeypairCreate", "KeypairCreated", "Problem"):
        assert name in schemas


def test_unknown_route_is_problem(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_validation_error_names_field_not_value(client):
    secret = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleQ\n-----END OPENSSH PRIVATE KEY-----"
    response = client.post("/keypairs?cloud=alpha", json={"name": "k", "public_key": secret})
    body = response.json()
    assert response.status_code == 422
    assert body["errors"][0]["field"] == "body.public_key"
    assert "PRIVATE KEY" not in response.text
    assert "c2VjcmV0LWtleQ" not in response.text


def test_body_not_json_named_as_body(client):
    response = client.post("/keypairs", content=b'{"name": [}', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == ["body"]
    assert errors[0]["message"].startswith("the request body is not valid JSON at character 10")


def test_ambiguous_cloud_lists_choices(client):
    response = client.delete("/keypairs/k")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "cloud", "message": response.json()["detail"]}
    ]
    assert "alpha, beta" in response.json()["detail"]


def test_unknown_cloud_400(client):
    response = client.get("/keypairs?cloud=gamma")
    assert response.status_code == 400
    assert "gamma" in response.json()["detail"]


def test_invalid_keypair_name_in_path(client):
    response = client.delete("/keypairs/bad;name?cloud=alpha")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.name"


def test_unreachable_cloud_reported_per_cloud(client):
    # Port 1 refuses connections: both clouds fail, and the list still responds.
    response = client.get("/projects")
    body = response.json()
    assert response.status_code == 200
    assert body["items"] == []
    assert [(error["cloud"], error["status"]) for error in body["errors"]] == [("alpha", 502), ("beta", 502)]
    assert "Connection refused" in body["errors"][0]["reason"]


def test_unexpected_error_hides_internals(openstack_config):
    client = make_client(openstack_config)

    def fail():
        raise RuntimeError("internal state 0xdeadbeef")

    client.app.state.services.projects.list_projects = fail
    response = client.get("/projects")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "0xdeadbeef" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["instance"] == "/projects"
