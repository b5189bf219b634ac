"""Warm list of 10,000 instances over HTTP, and the memory they take.

The inventory of project dev, RegionOne is filled with 10,000 generated
instances (Nova cannot be seeded with that many here in reasonable time:
the micro-cloud builds about one server every 1.7 s). Its last sync is
recent and the sync interval an hour, so every request is served from
memory. Requests go through the whole app (routing, auth, filter, sort,
page, JSON) with FastAPI's in-process TestClient.
"""

from __future__ import annotations

import gc
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchmarks.common import ALICE, app_client, median, percentile, timed
from perspective.models.instances import Instance
from perspective.openstack import Scope
from perspective.services.inventory import INSTANCE
from perspective.services.inventory_store import ScopeData

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


def run(config, runs: int) -> dict[str, float]:
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

    params = {"status": "ACTIVE", "sort": "name,-created", "limit": 100}

    def page() -> None:
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == 100

    page()
    durations = timed(page, runs)
    client.__exit__(None, None, None)
    return {
        "p50": median(durations),
        "p99": percentile(durations, 0.99),
        "memory_mib": after - before,
        "runs": runs,
    }
