"""Instance endpoints when Nova fails, times out or never finishes, with openstacksdk faked."""

from __future__ import annotations

import pytest
from keystoneauth1 import exceptions as ksa_exceptions

from perspective.services import instance_waits
from tests.unit.conftest import make_client
from tests.unit.fakes import http_error
from tests.unit.instance_fakes import FakeNovaCloud, FakeNovaRegion, server

A = "00000000-0000-4000-8000-00000000000a"
B = "00000000-0000-4000-8000-00000000000b"
C = "00000000-0000-4000-8000-00000000000c"
PAUSE = "/projects/p1/regions/R1/instances/pause"


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(instance_waits, "FIRST_POLL_INTERVAL", 0.05)
    monkeypatch.setattr(instance_waits, "MAX_POLL_INTERVAL", 0.05)


def client_for(openstack_config, **regions: FakeNovaRegion):
    return make_client(openstack_config, FakeNovaCloud(regions), clouds={"alpha": {}})


def three_servers(**region_fields) -> FakeNovaRegion:
    servers = {server_id: server(server_id, name) for server_id, name in ((A, "a"), (B, "b"), (C, "c"))}
    return FakeNovaRegion(servers=servers, **region_fields)


def by_id(response) -> dict[str, dict]:
    return {result["id"]: result for result in response.json()["results"]}


def test_nova_500_fails_one_id(openstack_config):
    region = three_servers(failures={("pause_server", B): http_error(500, "compute host is on fire")})
    response = client_for(openstack_config, R1=region).put(PAUSE, json={"ids": [A, B]})
    results = by_id(response)
    assert response.status_code == 207
    assert results[A]["status"] == 202
    assert results[B]["status"] == 502
    assert "compute host is on fire" in results[B]["detail"]


def test_nova_timeout_is_504_for_that_id(openstack_config):
    timeout = ksa_exceptions.ConnectTimeout("Request to http://127.0.0.1:1/R1 timed out")
    region = three_servers(failures={("pause_server", C): timeout})
    response = client_for(openstack_config, R1=region).put(PAUSE, json={"ids": [A, C]})
    assert response.status_code == 207
    assert by_id(response)[C]["status"] == 504


def test_every_id_same_failure_shares_status(openstack_config):
    region = three_servers(failures={("pause_server", "*"): http_error(500, "nova-api down")})
    response = client_for(openstack_config, R1=region).put(PAUSE, json={"ids": [A, B, C]})
    assert response.status_code == 502
    assert {result["status"] for result in response.json()["results"]} == {502}


def test_unexpected_error_hides_traceback(openstack_config):
    region = three_servers(failures={("pause_server", A): RuntimeError("secret internals")})
    response = client_for(openstack_config, R1=region).put(PAUSE, json={"ids": [A, B]})
    result = by_id(response)[A]
    assert response.status_code == 207
    assert result["status"] == 500
    assert "server log" in result["detail"]
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


def test_wait_timeout_reports_still_in_progress(openstack_config):
    region = three_servers(after_action={"pause_server": {"task_state": "pausing"}})
    response = client_for(openstack_config, R1=region).put(
        PAUSE, params={"wait": "true", "timeout": 1}, json={"ids": [A]}
    )
    result = by_id(response)[A]
    assert response.status_code == 202
    assert result["status"] == 202
    assert result["detail"] == "not PAUSED after 1 s: instance is ACTIVE, task state pausing"


def test_wait_reports_error_with_fault(openstack_config):
    region = three_servers(
        after_action={"pause_server": {"status": "ERROR", "fault": {"code": 500, "message": "hypervisor lost"}}}
    )
    response = client_for(openstack_config, R1=region).put(
        PAUSE, params={"wait": "true", "timeout": 5}, json={"ids": [A, B]}
    )
    result = by_id(response)[A]
    assert response.status_code == 502
    assert result["instance_status"] == "ERROR"
    assert "hypervisor lost" in result["detail"]


def test_unreadable_instance_not_acted(openstack_config):
    region = three_servers(failures={("get_server", A): http_error(503, "busy")})
    response = client_for(openstack_config, R1=region).put(PAUSE, json={"ids": [A]})
    assert by_id(response)[A]["status"] == 502
    assert ("pause_server", A) not in region.calls


def test_wait_polls_through_read_errors(openstack_config):
    # The read before the action succeeds, the first read of the wait fails.
    region = three_servers(
        failures={("get_server", A): [None, http_error(503, "busy")]},
        after_action={"pause_server": {"status": "PAUSED"}},
    )
    response = client_for(openstack_config, R1=region).put(
        PAUSE, params={"wait": "true", "timeout": 5}, json={"ids": [A]}
    )
    result = by_id(response)[A]
    assert response.status_code == 200, result
    assert result["instance_status"] == "PAUSED"
    assert region.calls.count(("get_server", A)) == 3


def test_launch_quota_403_is_not_credentials(openstack_config):
    region = three_servers(
        failures={("create_server", "*"): http_error(403, "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances")}
    )
    response = client_for(openstack_config, R1=region).post(
        "/projects/p1/regions/R1/instances",
        json={"name": "q", "flavor": "m1.nano", "image": "cirros", "networks": []},
    )
    body = response.json()
    assert response.status_code == 403
    assert "Quota exceeded" in body["detail"]
    assert "credentials" not in body["detail"]


def test_launch_sends_networks_none_and_base64(openstack_config):
    region = three_servers()
    response = client_for(openstack_config, R1=region).post(
        "/projects/p1/regions/R1/instances",
        json={"name": "n", "flavor": "f-nano", "image": "img-1", "networks": [], "user_data": "hi"},
    )
    assert response.status_code == 202
    (sent,) = region.created
    assert sent["networks"] == "none"
    assert sent["user_data"] == "aGk="
    assert sent["flavor_id"] == "f-nano"


def test_project_list_reports_failed_region(openstack_config):
    regions = {
        "R1": three_servers(),
        "R2": FakeNovaRegion(failures={("servers", "*"): http_error(500, "cell database down")}),
    }
    body = client_for(openstack_config, **regions).get("/projects/p1/instances", params={"fresh": "true"}).json()
    assert sorted(item["id"] for item in body["items"]) == [A, B, C]
    assert [(error["region"], error["status"]) for error in body["errors"]] == [("R2", 502)]
    assert "cell database down" in body["errors"][0]["reason"]


def test_other_project_server_not_acted(openstack_config):
    region = three_servers()
    region.servers[A].project_id = "someone-else"
    response = client_for(openstack_config, R1=region).put(PAUSE, json={"ids": [A]})
    assert response.status_code == 404
    assert ("pause_server", A) not in region.calls
