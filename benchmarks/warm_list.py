"""Warm list of 10,000 instances over HTTP, and the memory they take.

The inventory of project dev, RegionOne is filled with 10,000 generated
instances (Nova cannot be seeded with that many here in reasonable time:
the micro-cloud builds about one server every 1.7 s). Its last sync is
recent and the sync interval an hour, so every request is served from
memory. The app is served by uvicorn on loopback and wrk sends the
requests one at a time over one keep-alive connection, so each latency
covers HTTP parsing, routing, the bearer token, the page and its JSON,
and only the C client's own tiny cost.
"""

from __future__ import annotations

import gc
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchmarks.common import ALICE, app_client, require_wrk, run_wrk, wrk_non_2xx
from perspective.models.instances import Instance
from perspective.openstack import Scope
from perspective.services.inventory import INSTANCE
from perspective.services.inventory_store import ScopeData
from tests.support.live_server import live_server

COUNT = 10_000
STATUSES = ("ACTIVE", "SHUTOFF", "PAUSED", "ERROR")


def generated(scope: Scope, count: int) -> dict[str, Instance]:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    instances = {}
    for number in range(count):
        instance_id = f"{number:08d}-0000-4000-8000-{number:012d}"
        instances[instance_id] = Instance(
            id=instance_id,
            name=f"web-{number % 97}-{number}",
            status=STATUSES[number % len(STATUSES)],
            created=start + timedelta(seconds=number * 7919 % count),
            addresses={"dev-net": [{"addr": f"10.2.{number // 250}.{number % 250 + 2}", "version": 4}]},
            tags=[f"team-{number % 10}"],
            region=scope.region,
            cloud=scope.cloud,
        )
    return instances


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(config, seconds: int) -> dict[str, float]:
    require_wrk()
    client = app_client(
        config,
        {ALICE: {"regions": ["RegionOne"]}},
        inventory={"startup": "on_demand", "sync_interval": 3600, "lease_ttl": 7200, "images": False},
    )
    dev = next(p["id"] for p in client.get("/projects").json()["items"] if p["name"] == "dev")
    scope = Scope(ALICE, "RegionOne", dev)
    inventory = client.app.state.inventory
    url = f"/projects/{dev}/regions/RegionOne/instances"
    client.get(url).raise_for_status()  # the first sync, which the generated data replaces

    gc.collect()
    before = rss_mib()
    instances = generated(scope, COUNT)
    now = time.time()
    inventory.store.put(INSTANCE, scope, ScopeData.of(instances, synced_at=now, full_at=now), [], [], True)
    gc.collect()
    after = rss_mib()

    params = "status=ACTIVE&sort=name,-created&limit=100"
    page = client.get(f"{url}?{params}")
    assert page.status_code == 200, page.text
    assert len(page.json()["items"]) == 100, page.text
    with live_server(client.app) as base:
        output = run_wrk(f"{base}{url}?{params}", threads=1, connections=1, seconds=seconds, latency=True)
    client.__exit__(None, None, None)
    return {
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_2xx": wrk_non_2xx(output),
        "memory_mib": after - before,
        "seconds": seconds,
    }


def _latency(output: str, percent: str) -> float:
    """Return one percentile of wrk's latency distribution, in seconds."""
    value, unit = re.search(rf"^\s+{percent}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]
