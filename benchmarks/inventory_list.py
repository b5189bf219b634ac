"""Warm inventory list: 10,000 instances in memory, filtered, sorted and paged in-process.

Times the inventory read plus the filter, sort and page step of
`services.instances` (no HTTP, no cloud), and prints p50 and p99 in ms:
once for requests that find the listing already sorted in that order,
and once for the first request after each sync, which sorts it.
Run: `.venv/bin/python -m benchmarks.inventory_list`.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from perspective.models.instances import Instance, InstanceQuery
from perspective.openstack import Scope
from perspective.services import instances
from perspective.services.events import MemoryFeed
from perspective.services.inventory import INSTANCE, Inventory, ListReport
from perspective.services.inventory_store import MemoryStore, ScopeData
from perspective.services.leases import LocalLeases
from perspective.settings import InventorySettings

COUNT = 10_000
RUNS = 500
SCOPE = Scope("bench", "RegionOne", "project")


def build() -> tuple[Inventory, MemoryStore]:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    statuses = ("ACTIVE", "SHUTOFF", "PAUSED", "ERROR")
    items = {
        f"{number:08d}-0000-4000-8000-000000000000": Instance(
            id=f"{number:08d}-0000-4000-8000-000000000000",
            name=f"web-{number % 97}-{number}",
            status=statuses[number % len(statuses)],
            created=start + timedelta(seconds=number * 7 % COUNT),
            region=SCOPE.region,
            cloud=SCOPE.cloud,
        )
        for number in range(COUNT)
    }
    store = MemoryStore()
    store.put(INSTANCE, SCOPE, ScopeData.of(items, synced_at=time.time(), full_at=time.time()), [], [], True)
    services = SimpleNamespace(clouds=None)
    return Inventory(services, InventorySettings(), store, MemoryFeed(10), LocalLeases()), store


def measure(inventory: Inventory, store: MemoryStore, after_sync: bool) -> list[float]:
    query = InstanceQuery(status=["ACTIVE"], sort="name,-created", limit=100)
    timings = []
    for _ in range(RUNS):
        if after_sync:
            # What a sync stores: the same items under a new listing.
            data = store.get(INSTANCE, SCOPE)
            store.put(INSTANCE, SCOPE, ScopeData.of(data.items, synced_at=time.time(), full_at=data.full_at), [], [], False)
        began = time.perf_counter()
        source = inventory.reporting(ListReport())
        page = instances._page(source.list_instances(SCOPE, query), query)
        timings.append((time.perf_counter() - began) * 1000)
        assert len(page.items) == 100
    return sorted(timings)


def main() -> None:
    inventory, store = build()
    print(f"{COUNT} instances, status filter, sort name,-created, page of 100, {RUNS} runs each")
    for label, after_sync in (("sorted listing reused", False), ("first request after a sync", True)):
        timings = measure(inventory, store, after_sync)
        print(f"{label}: p50 {statistics.median(timings):.2f} ms  p99 {timings[int(RUNS * 0.99) - 1]:.2f} ms")


if __name__ == "__main__":
    main()
