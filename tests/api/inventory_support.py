"""Helpers for the inventory tests: servers made with openstacksdk, and polling.

Every server and image these tests make is named with PREFIX and deleted
when its test module ends, because other engineers share the micro-cloud.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from openstack import exceptions as sdk_exceptions


PREFIX = f"pt-inv-{uuid.uuid4().hex[:6]}"
POLL_SECONDS = 0.5
SYNC_TIMEOUT = 60


def unique_name(label: str) -> str:
    return f"{PREFIX}-{label}-{uuid.uuid4().hex[:4]}"


def wait_for(check: Callable[[], object], what: str, timeout: float = SYNC_TIMEOUT):
    """Call `check` until it returns something truthy, at most `timeout` seconds; return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(POLL_SECONDS)


def create_server(connection, name: str):
    """Create a server in the connection's project from the micro-cloud's seeded resources."""
    flavor = connection.compute.find_flavor("m1.nano", ignore_missing=False)
    image = connection.image.find_image("cirros-raw", ignore_missing=False)
    network = connection.network.find_network("dev-net", ignore_missing=False)
    return connection.compute.create_server(
        name=name, flavor_id=flavor.id, image_id=image.id, networks=[{"uuid": network.id}]
    )


def delete_servers(connection, server_ids: list[str]) -> None:
    for server_id in server_ids:
        try:
            connection.compute.delete_server(server_id, ignore_missing=True)
        except sdk_exceptions.SDKException:
            continue
