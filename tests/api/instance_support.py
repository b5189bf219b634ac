"""Fixtures and helpers for the instance tests against the micro-cloud.

Every instance a test launches is named with PREFIX and deleted when its
test module ends, together with the floating IPs and snapshot images the
test made, because other engineers share the micro-cloud.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from openstack import exceptions as sdk_exceptions

from tests.conftest import ADMIN, ALICE

PREFIX = f"pt-inst-{uuid.uuid4().hex[:6]}"
UNKNOWN_ID = str(uuid.uuid4())
SETTLE_TIMEOUT = 60
POLL_SECONDS = 0.5
ALLOCATED_MARK = "Allocated by Perspective"


def instances_path(project_id: str, region: str, suffix: str = "") -> str:
    return f"/projects/{project_id}/regions/{region}/instances{suffix}"


def by_id(response) -> dict[str, dict]:
    """Return the per-id results of a bulk response, keyed by id."""
    results = response.json()["results"]
    return {result["id"]: result for result in results}


def is_gone(fetch: Callable[[str], object], resource_id: str) -> bool:
    """Tell whether fetching a resource by id raises openstacksdk's NotFoundException."""
    try:
        fetch(resource_id)
    except sdk_exceptions.NotFoundException:
        return True
    return False


def settle(connection, server_id: str, status: str, timeout: float = SETTLE_TIMEOUT):
    """Wait until Nova shows the server in `status` with no task state; return it."""
    deadline = time.monotonic() + timeout
    while True:
        server = connection.compute.get_server(server_id)
        if server.status == status and server.task_state is None:
            return server
        assert time.monotonic() < deadline, (
            f"instance {server_id} is {server.status}/{server.task_state}, not {status}, after {timeout} s"
        )
        time.sleep(POLL_SECONDS)


def settle_task(connection, server_id: str, timeout: float = SETTLE_TIMEOUT):
    """Wait until Nova shows the server with no task state, in any status; return it."""
    deadline = time.monotonic() + timeout
    while True:
        server = connection.compute.get_server(server_id)
        if server.task_state is None:
            return server
        assert time.monotonic() < deadline, f"instance {server_id} is still {server.task_state} after {timeout} s"
        time.sleep(POLL_SECONDS)


def settle_image(connection, image_id: str, timeout: float = SETTLE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        image = connection.image.get_image(image_id)
        if image.status == "active":
            return image
        assert time.monotonic() < deadline, f"image {image_id} is {image.status} after {timeout} s"
        time.sleep(POLL_SECONDS)


def put_in_state(connection, admin, server_id: str, status: str, locked: bool = False) -> None:
    """Bring a server to `status` (ACTIVE, PAUSED, SUSPENDED, SHUTOFF, ERROR) and lock state."""
    server = settle_task(connection, server_id)
    if server.is_locked:
        connection.compute.unlock_server(server_id)

    if server.status != status:
        if server.status == "ERROR":
            admin.compute.reset_server_state(server_id, "active")
        elif server.status == "PAUSED":
            connection.compute.unpause_server(server_id)
        elif server.status == "SUSPENDED":
            connection.compute.resume_server(server_id)
        elif server.status == "SHUTOFF":
            connection.compute.start_server(server_id)
        elif server.status == "VERIFY_RESIZE":
            connection.compute.revert_server_resize(server_id)
        settle(connection, server_id, "ACTIVE")

        if status == "PAUSED":
            connection.compute.pause_server(server_id)
        elif status == "SUSPENDED":
            connection.compute.suspend_server(server_id)
        elif status == "SHUTOFF":
            connection.compute.stop_server(server_id)
        elif status == "ERROR":
            admin.compute.reset_server_state(server_id, "error")
        settle(connection, server_id, status)

    if locked:
        connection.compute.lock_server(server_id)


@dataclass
class Launched:
    """What one test module created, for cleanup."""

    servers: list[tuple[str, str, str]] = field(default_factory=list)
    """(project id, region, server id)"""
    images: list[tuple[str, str, str]] = field(default_factory=list)
    floating_ips: list[tuple[str, str, str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def created(sdk) -> Iterator[Launched]:
    """Record what a module creates, and delete all of it when the module ends."""
    launched = Launched()
    yield launched

    for project_id, region, server_id in launched.servers:
        connection = sdk(ALICE, region, project_id)
        for fip in connection.network.ips(project_id=project_id):
            if (fip.description or "").startswith(f"{ALLOCATED_MARK} for instance {server_id}"):
                connection.network.delete_ip(fip, ignore_missing=True)
        try:
            connection.compute.unlock_server(server_id)
            connection.compute.delete_server(server_id, ignore_missing=True)
        except sdk_exceptions.NotFoundException:
            pass
    for project_id, region, image_id in launched.images:
        sdk(ALICE, region, project_id).image.delete_image(image_id, ignore_missing=True)
    # Snapshots a failed test never recorded still carry the prefix.
    for project_id, region in {(project_id, region) for project_id, region, _ in launched.servers}:
        connection = sdk(ALICE, region, project_id)
        for image in connection.image.images(owner=project_id):
            if (image.name or "").startswith(PREFIX):
                connection.image.delete_image(image, ignore_missing=True)
    for project_id, region, fip_id in launched.floating_ips:
        sdk(ALICE, region, project_id).network.delete_ip(fip_id, ignore_missing=True)


@pytest.fixture(scope="module")
def launch(api, created) -> Callable[..., list[str]]:
    """Launch ACTIVE instances through Perspective and return their ids.

    `launch(project_id, region, label, count=1, **body)`: the name is
    PREFIX-label, and the defaults are m1.nano, cirros-raw and dev-net.
    """

    def run(project_id: str, region: str, label: str, count: int = 1, **body) -> list[str]:
        request = {
            "name": f"{PREFIX}-{label}",
            "count": count,
            "flavor": "m1.nano",
            "image": "cirros-raw",
            "networks": ["dev-net"],
            **body,
        }
        response = api.post(
            instances_path(project_id, region), params={"wait": "true", "timeout": 60}, json=request
        )
        results = response.json().get("results", [])
        created.servers += [(project_id, region, result["id"]) for result in results]
        assert response.status_code == 201, response.json()
        return [result["id"] for result in results]

    return run


@pytest.fixture(scope="session")
def admin_sdk(sdk) -> Callable[[str], object]:
    """Return the admin's connection in a region, for reset-state and user_data checks."""
    return lambda region: sdk(ADMIN, region)
