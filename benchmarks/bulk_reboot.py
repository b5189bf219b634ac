"""Bulk reboot of 100 instances against one reboot call, through a delaying proxy.

100 servers without networks are launched in project ops, RegionOne (one
multi-create request), then rebooted through Perspective in one bulk
request, over HTTP from a `perspective serve` process. The baseline is a single soft reboot sent with openstacksdk. A
second baseline sends the 100 reboot calls with openstacksdk from as many
threads as Perspective uses: the fastest this Nova accepts them. All reach
Nova through the same proxy, which adds latency L per request.
"""

from __future__ import annotations

import copy
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openstack.connection
import yaml

from benchmarks.common import ALICE, API_TOKEN, load_clouds, median, project_id, start_server, timed, write_clouds
from tests.support.ports import free_port
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
        settings = Path(folder) / "perspective.yaml"
        settings.write_text(
            yaml.safe_dump({"clouds": {ALICE: {"regions": ["RegionOne"]}}, "bulk_concurrency": concurrency})
        )
        port = free_port()
        # Served over HTTP, as a console reaches it: the client gets its
        # response before the inventory refresh that follows it starts.
        process = start_server(
            port,
            extra_env={"OS_CLIENT_CONFIG_FILE": str(Path(folder) / "clouds.yaml"), "PERSPECTIVE_CONFIG": str(settings)},
        )
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=300
        )
        ids: list[str] = []
        connection = None
        try:
            ops = project_id(client, "ops")
            connection = openstack.connection.Connection(
                config=config.get_one(cloud=ALICE, region_name="RegionOne")
            ).connect_as(project_id=ops)

            started = time.monotonic()
            ids = launch(connection, f"bench-reboot-{uuid.uuid4().hex[:6]}")
            build_seconds = time.monotonic() - started
            url = f"/projects/{ops}/regions/RegionOne/instances/reboot"
            # As a console would have: the list loads the inventory, which
            # then vouches that the ids are the project's.
            listed = client.get(f"/projects/{ops}/regions/RegionOne/instances", params={"limit": 1000})
            listed.raise_for_status()
            assert set(ids) <= {item["id"] for item in listed.json()["items"]}, "inventory lacks servers"

            def bulk() -> None:
                response = client.put(url, json={"ids": ids, "type": "SOFT"})
                statuses = {r["status"] for r in response.json()["results"]}
                assert statuses == {202}, response.text

            def single() -> None:
                connection.compute.reboot_server(ids[0], "SOFT")

            def parallel() -> None:
                with ThreadPoolExecutor(max_workers=concurrency) as executor:
                    list(executor.map(lambda server_id: connection.compute.reboot_server(server_id, "SOFT"), ids))

            # Nova rejects a reboot while the last one runs, so every
            # measured call starts from servers that are all settled.
            bulk_times, single_times, parallel_times = [], [], []
            for _ in range(runs):
                settle(connection, ids)
                bulk_times += timed(bulk, 1)
                settle(connection, ids)
                single_times += timed(single, 1)
                settle(connection, ids)
                parallel_times += timed(parallel, 1)
        finally:
            if connection is not None:
                for server_id in ids:
                    connection.compute.delete_server(server_id, ignore_missing=True)
            client.close()
            process.terminate()
            process.wait(timeout=10)
            proxy.stop()

    return {
        "latency": latency,
        "count": len(ids),
        "build_seconds": build_seconds,
        "bulk": median(bulk_times),
        "single": median(single_times),
        "parallel": median(parallel_times),
        "concurrency": concurrency,
    }
