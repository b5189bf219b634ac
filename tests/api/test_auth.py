"""Every endpoint but /health and the docs needs the bearer token."""

from __future__ import annotations

import pytest

PROTECTED = [
    ("GET", "/projects"),
    ("GET", "/projects/{dev}/access"),
    ("GET", "/projects/{dev}/regions/RegionOne/rcfile"),
    ("GET", "/projects/{dev}/flavors"),
    ("GET", "/projects/{dev}/networks"),
    ("GET", "/projects/{dev}/regions/RegionOne/availability_zones"),
    ("GET", "/keypairs"),
    ("POST", "/keypairs"),
    ("DELETE", "/keypairs/anything"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_token_401(api, project_ids, method, path):
    response = api.request(method, path.format(dev=project_ids["dev"]), headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_wrong_token_401(api):
    response = api.get("/projects", headers={"Authorization": "Bearer wrong-token"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_basic_scheme_401(api):
    response = api.get("/projects", headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs"])
def test_open_without_token(api, path):
    assert api.get(path, headers={"Authorization": ""}).status_code == 200
