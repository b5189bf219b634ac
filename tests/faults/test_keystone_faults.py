"""Keystone going away, a revoked token and a credential that stops working."""

from __future__ import annotations

import uuid

import pytest

from perspective.openstack import Scope
from tests.conftest import ADMIN, ALICE
from tests.faults.conftest import KEYSTONE
from tests.faults.test_region_faults import project_id
from tests.support.tcp_proxy import Mode


def test_keystone_down_new_scope_bad_gateway(faulty_app, proxy):
    keystone = proxy(KEYSTONE)
    client = faulty_app(keystone=keystone)
    dev = project_id(client, "dev")
    ops = project_id(client, "ops")
    assert client.get(f"/projects/{dev}/flavors").status_code == 200

    keystone.mode = Mode.RESET
    known = client.get(f"/projects/{dev}/flavors")
    new = client.get(f"/projects/{ops}/flavors")

    # Tokens already issued keep serving while Keystone is away...
    assert known.status_code == 200
    assert known.json()["errors"] == []
    # ...and a project that needs a new token fails as a gateway error.
    assert new.status_code == 502
    assert new.headers["content-type"].startswith("application/problem+json")
    assert ALICE in new.json()["detail"]


def test_revoked_token_renewed(faulty_app, sdk):
    client = faulty_app()
    dev = project_id(client, "dev")
    # Nova caches a validated token for minutes, so the token is revoked
    # before Nova first receives it. Nova then rejects it with a 401.
    connection = client.app.state.services.clouds.connect(Scope(ALICE, "RegionOne", dev))
    revoked = connection.session.get_token()

    admin = sdk(ADMIN, "RegionOne")
    admin.identity.delete("/auth/tokens", headers={"X-Subject-Token": revoked})
    response = client.get(f"/projects/{dev}/flavors")

    assert response.status_code == 200
    assert response.json()["errors"] == []
    assert connection.session.get_token() != revoked


@pytest.fixture
def carol(sdk, project_ids):
    """A user of project dev made for one test, with her password."""
    admin = sdk(ADMIN, "RegionOne")
    password = uuid.uuid4().hex
    user = admin.identity.create_user(
        name=f"carol-{uuid.uuid4().hex[:8]}", password=password, domain_id="default"
    )
    member = admin.identity.find_role("member")
    admin.identity.assign_project_role_to_user(project_ids["dev"], user, member)
    yield user, password
    admin.identity.delete_user(user)


def test_credential_stops_working_bad_gateway(faulty_app, sdk, carol):
    user, password = carol
    client = faulty_app(auth={"username": user.name, "password": password})
    dev = project_id(client, "dev")

    # The old password no longer works for the token that the next
    # request, to a project and region not asked before, needs.
    sdk(ADMIN, "RegionOne").identity.update_user(user, password=uuid.uuid4().hex)
    response = client.get(f"/projects/{dev}/regions/RegionOne/availability_zones")

    assert response.status_code == 502
    body = response.json()
    assert ALICE in body["detail"]
    assert password not in response.text
