"""Perspective's overhead over a direct openstacksdk call for one instance show.

Both sides ask the micro-cloud's RegionOne directly (no proxy); Perspective
serves over HTTP from a `perspective serve` process on loopback, so the
figure includes its HTTP hop, authentication and serialization. The two
sides take turns, one call each, and each gives the median of its calls.
"""

from __future__ import annotations

import uuid

import httpx
import openstack.connection

from benchmarks.common import ALICE, API_TOKEN, median, start_server, timed
from tests.support.ports import free_port

WAIT_SECONDS = 120


def run(runs: int) -> dict[str, float]:
    connection = openstack.connect(cloud=ALICE, region_name="RegionOne")
    flavor = connection.compute.find_flavor("m1.nano", ignore_missing=False)
    image = connection.image.find_image("cirros-raw", ignore_missing=False)
    server = connection.compute.create_server(
        name=f"bench-show-{uuid.uuid4().hex[:8]}", flavor_id=flavor.id, image_id=image.id, networks="none"
    )
    port = free_port()
    process = start_server(port)
    try:
        connection.compute.wait_for_server(server, wait=WAIT_SECONDS)
        project = connection.current_project_id
        url = f"http://127.0.0.1:{port}/projects/{project}/regions/RegionOne/instances/{server.id}"
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        with httpx.Client(headers=headers) as http:

            def through_perspective() -> None:
                http.get(url).raise_for_status()

            def direct() -> None:
                connection.compute.get_server(server.id)

            through_perspective()
            direct()
            # Alternated, so that Nova's own drift over the run (its load
            # changes from second to second here) weighs on both sides alike.
            perspective_times, direct_times = [], []
            for _ in range(runs):
                perspective_times += timed(through_perspective, 1)
                direct_times += timed(direct, 1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        connection.compute.delete_server(server, ignore_missing=True)

    return {"perspective": median(perspective_times), "direct": median(direct_times)}
