"""Warm inventory list: 10,000 instances in memory, filtered, sorted and paged in-process.

Times the inventory read plus the filter, sort and page step of
`services.instances` (no HTTP, no cloud), and prints p50 and p99 in ms:
once for requests that find the listing already sorted in that order,
and once for the first request after a sync that found changes, which
sorts it again. Then the
same for a project-wide list of the same 10,000 instances spread over two
regions.
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
OTHER_SCOPE = Scope("bench", "RegionTwo", "project")
QUERY = InstanceQuery(status=["ACTIVE"], sort="name,-created", limit=100)


def generated(numbers: range, scope: Scope) -> dict[str, Instance]:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    statuses = ("ACTIVE", "SHUTOFF", "PAUSED", "ERROR")
    return {
        f"{number:08d}-0000-4000-8000-000000000000": Instance(
            id=f"{number:08d}-0000-4000-8000-000000000000",
            name=f"web-{number % 97}-{number}",
            status=statuses[number % len(statuses)],
            created=start + timedelta(seconds=number * 7 % COUNT),
            region=scope.region,
            cloud=scope.cloud,
        )
        for number in numbers
    }


def build(split: bool = False) -> tuple[Inventory, MemoryStore]:
    """Store COUNT instances in SCOPE, or half of them in each region with `split`."""
    store = MemoryStore()
    now = time.time()
    if split:
        halves = ((range(0, COUNT // 2), SCOPE), (range(COUNT // 2, COUNT), OTHER_SCOPE))
    else:
        halves = ((range(COUNT), SCOPE),)
    for numbers, scope in halves:
        store.put(INSTANCE, scope, ScopeData.of(generated(numbers, scope), synced_at=now, full_at=now), [], [], True)
    services = SimpleNamespace(clouds=None)
    return Inventory(services, InventorySettings(), store, MemoryFeed(10), LocalLeases()), store


def resync(store: MemoryStore, scope: Scope) -> None:
    """Store a new listing of the same items, as a sync that found a change does."""
    data = store.get(INSTANCE, scope)
    store.put(INSTANCE, scope, ScopeData.of(data.items, synced_at=time.time(), full_at=data.full_at), [], [], False)


def measure(inventory: Inventory, store: MemoryStore, after_sync: bool) -> list[float]:
    timings = []
    for _ in range(RUNS):
        if after_sync:
            resync(store, SCOPE)
        began = time.perf_counter()
        source = inventory.reporting(ListReport())
        page = instances._page(source.list_instances(SCOPE, QUERY), QUERY)
        timings.append((time.perf_counter() - began) * 1000)
        assert len(page.items) == 100
    return sorted(timings)


def measure_project(inventory: Inventory, store: MemoryStore, after_sync: bool) -> list[float]:
    def in_project_regions(project_id, call):
        items = []
        for scope in (SCOPE, OTHER_SCOPE):
            items.extend(call(None, scope))
        return items, []

    services = SimpleNamespace(in_project_regions=in_project_regions)
    timings = []
    for _ in range(RUNS):
        if after_sync:
            resync(store, OTHER_SCOPE)
        began = time.perf_counter()
        source = inventory.reporting(ListReport())
        page = instances.list_project_instances(services, source, SCOPE.project_id, QUERY)
        timings.append((time.perf_counter() - began) * 1000)
        assert len(page.items) == 100
    return sorted(timings)


def report(label: str, timings: list[float]) -> None:
    print(f"{label}: p50 {statistics.median(timings):.2f} ms  p99 {timings[int(RUNS * 0.99) - 1]:.2f} ms")


def main() -> None:
    print(f"{COUNT} instances, status filter, sort name,-created, page of 100, {RUNS} runs each")
    inventory, store = build()
    report("one region, sorted view reused", measure(inventory, store, after_sync=False))
    report("one region, first request after a sync with changes", measure(inventory, store, after_sync=True))
    inventory, store = build(split=True)
    report("two regions, sorted view reused", measure_project(inventory, store, after_sync=False))
    report("two regions, first request after one region's sync with changes", measure_project(inventory, store, after_sync=True))


if __name__ == "__main__":
    main()
