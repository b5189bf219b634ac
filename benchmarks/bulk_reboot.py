"""Bulk reboot of 100 instances against one reboot call, through a delaying proxy.

100 servers without networks are launched in project ops, RegionOne (one
multi-create request), then rebooted through Perspective in one bulk
request. The baseline is a single soft reboot sent with openstacksdk.
Both reach Nova through the same proxy, which adds latency L per request.
"""

from __future__ import annotations

import copy
import tempfile
import time
import uuid
from pathlib import Path

import openstack.connection

from benchmarks.common import ALICE, app_client, load_clouds, median, project_id, timed, write_clouds
from tests.support.tcp_proxy import TcpProxy

COUNT = 100
NOVA_REGION_ONE = 8774
BUILD_TIMEOUT = 900


def launch(connection, name: str) -> list[str]:
    flavor = connection.compute.find_flavor("m1.nano", ignore_missing=False)
    image = connection.image.find_image("cirros-raw", ignore_missing=False)
    connection.compute.create_server(
        name=name, flavor_id=flavor.id, image_id=image.id, networks="none", min_count=COUNT, max_count=COUNT
    )
    deadline = time.monotonic() + BUILD_TIMEOUT
    while True:
        servers = list(connection.compute.servers(name=f"^{name}"))
        if len(servers) == COUNT and all(s.status in ("ACTIVE", "ERROR") for s in servers):
            return [s.id for s in servers if s.status == "ACTIVE"]
        if time.monotonic() > deadline:
            raise SystemExit(f"{COUNT} servers not built within {BUILD_TIMEOUT} s")
        time.sleep(5)


def settle(connection, ids: list[str]) -> None:
    wanted = set(ids)
    deadline = time.monotonic() + BUILD_TIMEOUT
    while True:
        busy = [
            s.id
            for s in connection.compute.servers()
            if s.id in wanted and (s.status != "ACTIVE" or s.task_state)
        ]
        if not busy:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{len(busy)} servers still busy after {BUILD_TIMEOUT} s")
        time.sleep(2)


def run(latency: float, runs: int, concurrency: int) -> dict[str, float]:
    proxy = TcpProxy("127.0.0.1", NOVA_REGION_ONE, delay=latency).start()
    entry = copy.deepcopy(load_clouds()["clouds"][ALICE])
    entry["regions"] = [
        {"name": "RegionOne", "values": {"compute_endpoint_override": f"{proxy.url}/v2.1"}}
    ]
    with tempfile.TemporaryDirectory() as folder:
        config = write_clouds(Path(folder) / "clouds.yaml", {ALICE: entry})
        client = app_client(
            config,
            {ALICE: {"regions": ["RegionOne"]}},
            inventory={"enabled": False},
            bulk_concurrency=concurrency,
        )
        ops = project_id(client, "ops")
        connection = openstack.connection.Connection(
            config=config.get_one(cloud=ALICE, region_name="RegionOne")
        ).connect_as(project_id=ops)

        started = time.monotonic()
        ids = launch(connection, f"bench-reboot-{uuid.uuid4().hex[:6]}")
        build_seconds = time.monotonic() - started
        url = f"/projects/{ops}/regions/RegionOne/instances/reboot"
        try:

            def bulk() -> None:
                response = client.put(url, json={"ids": ids, "type": "SOFT"})
                statuses = {r["status"] for r in response.json()["results"]}
                assert statuses == {202}, response.text

            def single() -> None:
                connection.compute.reboot_server(ids[0], "SOFT")

            # Nova rejects a reboot while the last one runs, so every
            # measured call starts from servers that are all settled.
            bulk_times, single_times = [], []
            for _ in range(runs):
                settle(connection, ids)
                bulk_times += timed(bulk, 1)
                settle(connection, ids)
                single_times += timed(single, 1)
        finally:
            for server_id in ids:
                connection.compute.delete_server(server_id, ignore_missing=True)
            client.__exit__(None, None, None)
            proxy.stop()

    return {
        "latency": latency,
        "count": len(ids),
        "build_seconds": build_seconds,
        "bulk": median(bulk_times),
        "single": median(single_times),
        "concurrency": concurrency,
    }
