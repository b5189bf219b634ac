"""A region that is silent, refuses connections or fails for a moment.

Aggregates still return the healthy region's items and name the failed
region. Reads are retried, actions are not.
"""

from __future__ import annotations

import time
import uuid

from tests.conftest import ALICE
from tests.faults.conftest import REGION_TIMEOUT, REGION_TWO_NOVA, REQUEST_TIMEOUT
from tests.support.tcp_proxy import Mode

# Time a test allows beyond the configured bound for scheduling on a busy
# two-core machine.
SLACK = 2.0


def project_id(client, name: str) -> str:
    response = client.get("/projects")
    assert response.status_code == 200, response.text
    return next(p["id"] for p in response.json()["items"] if p["name"] == name)


def test_silent_region_reported_in_errors(faulty_app, proxy):
    nova = proxy(REGION_TWO_NOVA)
    nova.mode = Mode.BLACKHOLE
    client = faulty_app(compute_two=nova)
    dev = project_id(client, "dev")

    started = time.monotonic()
    response = client.get(f"/projects/{dev}/flavors")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    body = response.json()
    assert body["items"]
    assert {item["region"] for item in body["items"]} == {"RegionOne"}
    assert [(e["region"], e["status"]) for e in body["errors"]] == [("RegionTwo", 504)]
    assert "RegionTwo" in body["errors"][0]["reason"]
    assert elapsed < REGION_TIMEOUT + SLACK


def test_refused_region_reported_as_bad_gateway(faulty_app, proxy):
    nova = proxy(REGION_TWO_NOVA)
    nova.mode = Mode.RESET
    # One retry keeps the retries (of version discovery, then of the list)
    # well inside the region timeout, so the failure is the refusal itself.
    client = faulty_app(compute_two=nova, read_retries=1)
    dev = project_id(client, "dev")

    response = client.get(f"/projects/{dev}/flavors")

    assert response.status_code == 200
    body = response.json()
    assert {item["region"] for item in body["items"]} == {"RegionOne"}
    assert [(e["region"], e["status"]) for e in body["errors"]] == [("RegionTwo", 502)]


def test_single_region_request_to_silent_region(faulty_app, proxy):
    nova = proxy(REGION_TWO_NOVA)
    nova.mode = Mode.BLACKHOLE
    client = faulty_app(compute_two=nova, read_retries=0)
    dev = project_id(client, "dev")

    response = client.get(f"/projects/{dev}/regions/RegionTwo/availability_zones")

    assert response.status_code == 504
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "RegionTwo" in response.json()["detail"]


def test_read_retried_after_short_outage(faulty_app, proxy):
    nova = proxy(REGION_TWO_NOVA)
    client = faulty_app(compute_two=nova, read_retries=2)
    dev = project_id(client, "dev")
    nova.reset_next = 2

    response = client.get(f"/projects/{dev}/flavors")

    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == []
    assert {item["region"] for item in body["items"]} == {"RegionOne", "RegionTwo"}
    assert nova.connections >= 3


def test_action_not_retried(faulty_app, proxy, sdk):
    nova = proxy(REGION_TWO_NOVA)
    client = faulty_app(compute_two=nova, read_retries=2)
    name = f"fault-{uuid.uuid4().hex[:8]}"
    nova.mode = Mode.RESET

    response = client.post("/keypairs", json={"name": name}, params={"cloud": ALICE})

    assert response.status_code == 502
    assert "RegionTwo" in response.text
    # Version discovery (GET) may be retried; the keypair POST is sent once.
    posts = [line for line in nova.request_lines if line.startswith("POST ")]
    assert posts == ["POST /v2.1/os-keypairs HTTP/1.1"]
    # RegionOne's key was rolled back, so the rejected request changed nothing.
    assert sdk(ALICE, "RegionOne").compute.find_keypair(name) is None


def test_bulk_action_in_silent_region_reports_each_id(faulty_app, proxy):
    nova = proxy(REGION_TWO_NOVA)
    client = faulty_app(compute_two=nova, read_retries=0)
    dev = project_id(client, "dev")
    ids = [str(uuid.uuid4()) for _ in range(3)]
    nova.mode = Mode.BLACKHOLE

    started = time.monotonic()
    response = client.put(f"/projects/{dev}/regions/RegionTwo/instances/reboot", json={"ids": ids})
    elapsed = time.monotonic() - started

    # Every id is reported, each as timed out. The ids are asked in
    # parallel, so the request takes the few read timeouts one id meets
    # (API version discovery, then the state read), not those of all three.
    assert response.status_code == 504
    results = response.json()["results"]
    assert sorted(r["id"] for r in results) == sorted(ids)
    assert {r["status"] for r in results} == {504}
    assert all("RegionTwo" in r["detail"] for r in results)
    assert elapsed < 4 * REQUEST_TIMEOUT + SLACK
    # Nothing reached Nova as an action, because the state reads never got a response.
    assert not [line for line in nova.request_lines if line.startswith("POST ")]
