"""Helpers for the inventory tests: servers made with openstacksdk, polling, a live server.

Every server and image these tests make is named with PREFIX and deleted
when its test module ends, because other engineers share the micro-cloud.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
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


@contextmanager
def live_server(app) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port and yield its base URL.

    Streaming responses such as `GET /events` need a real server: the test
    client returns a response only once its body ends.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: server.started, "uvicorn to start", timeout=30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
