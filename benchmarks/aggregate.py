"""Cold aggregate instance list over four regions, each behind a delaying proxy.

Four regions: the micro-cloud's two, each reached through two separate
proxies under two region names, so each "region" has its own path with
latency L per request. Perspective lists with `fresh=true` (no inventory)
and queries the regions in parallel; the baseline makes the same openstacksdk
calls one region after another, as the openstack CLI and Horizon do. Two
more references: the four server lists sent at once from openstacksdk
threads (the fastest any client gets from these Nova APIs), and one
region's server list alone.
"""

from __future__ import annotations

import copy
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openstack.connection
from openstack import exceptions as sdk_exceptions

from benchmarks.common import ALICE, app_client, load_clouds, median, project_id, timed, write_clouds
from tests.support.tcp_proxy import TcpProxy

# Ports of the micro-cloud's Nova and Glance per region.
SERVICES = {"RegionOne": {"compute": 8774, "image": 9292}, "RegionTwo": {"compute": 8874, "image": 9392}}
NAMES = {"RegionOne": ("RegionOne", "RegionOneB"), "RegionTwo": ("RegionTwo", "RegionTwoB")}


def run(latency: float, runs: int) -> dict[str, float]:
    proxies = []
    regions = []
    for real, names in NAMES.items():
        for name in names:
            values = {}
            for service, port in SERVICES[real].items():
                proxy = TcpProxy("127.0.0.1", port, delay=latency).start()
                proxies.append(proxy)
                suffix = "/v2.1" if service == "compute" else ""
                values[f"{service}_endpoint_override"] = proxy.url + suffix
            regions.append({"name": name, "values": values})

    entry = copy.deepcopy(load_clouds()["clouds"][ALICE])
    entry["regions"] = regions
    with tempfile.TemporaryDirectory() as folder:
        config = write_clouds(Path(folder) / "clouds.yaml", {"bench": entry})
        names = [r["name"] for r in regions]
        # No inventory: its background syncs would load the same Nova APIs.
        client = app_client(
            config, {"bench": {"regions": names}}, region_timeout=60, max_workers=8, inventory={"enabled": False}
        )
        dev = project_id(client, "dev")

        def perspective() -> None:
            response = client.get(f"/projects/{dev}/instances", params={"fresh": "true", "limit": 1000})
            response.raise_for_status()
            assert not response.json()["errors"], response.json()["errors"]

        connections = [
            openstack.connection.Connection(
                config=config.get_one(cloud="bench", region_name=name)
            ).connect_as(project_id=dev)
            for name in names
        ]

        def one_after_another() -> None:
            for connection in connections:
                servers = list(connection.compute.servers(details=True))
                list(connection.compute.flavors(details=False))
                for image_id in sorted({s.image.id for s in servers if s.image and s.image.id}):
                    try:
                        connection.image.get_image(image_id)
                    except sdk_exceptions.NotFoundException:
                        continue

        executor = ThreadPoolExecutor(max_workers=len(connections))

        def all_at_once() -> None:
            list(executor.map(lambda connection: list(connection.compute.servers(details=True)), connections))

        def one_region() -> None:
            list(connections[0].compute.servers(details=True))

        # The first round fetches tokens and discovers API versions.
        perspective()
        one_after_another()
        all_at_once()
        perspective_times = timed(perspective, runs)
        baseline_times = timed(one_after_another, runs)
        parallel_times = timed(all_at_once, runs)
        single_times = timed(one_region, runs)
        executor.shutdown()
        client.__exit__(None, None, None)

    for proxy in proxies:
        proxy.stop()
    return {
        "latency": latency,
        "perspective": median(perspective_times),
        "baseline": median(baseline_times),
        "parallel": median(parallel_times),
        "single": median(single_times),
    }
