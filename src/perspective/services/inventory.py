"""The synced inventory: each scope's instances and images, kept current in the background.

A scope is one (cloud, region, project). Its first sync lists everything;
later syncs ask only for what changed since the previous sync started,
minus `change_overlap` seconds for clock skew, and every
`full_resync_interval` a full list replaces the data to repair drift. A
sync that fails keeps the last data, and lists report that region as
stale. Every change a sync finds is published to the change feed, except
the first load of a scope, which is a starting state rather than a change.

Scopes are tracked at startup (every known project, in a background
thread) or on their first list. A list that comes before its scope's
first sync waits `first_sync_wait` seconds for it, then reads OpenStack directly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from perspective.errors import ConfigurationError, NotFound, PerspectiveError
from perspective.models.common import RegionError
from perspective.models.events import InventoryEvent
from perspective.models.instances import Instance, InstanceQuery
from perspective.openstack import Scope, changes, servers
from perspective.services.container import Services
from perspective.services.events import ChangeFeed, MemoryFeed, RedisFeed
from perspective.services.instances import NovaInstances
from perspective.services.inventory_store import (
    InventoryStore,
    ItemChange,
    MemoryStore,
    RedisStore,
    ScopeData,
    SyncFailure,
    merge_changes,
    replace_items,
)
from perspective.services.leases import Leases, LocalLeases, RedisLeases
from perspective.settings import InventorySettings

__all__ = ["IMAGE", "INSTANCE", "Inventory", "ListReport", "create_inventory"]

logger = logging.getLogger(__name__)

INSTANCE = "instance"
IMAGE = "image"
# How often the scheduler looks for scopes that are due, and how often a
# list waiting for a first sync looks again.
TICK_SECONDS = 0.2
# Instances a refresh reads one GET at a time; beyond this, one
# changes-since list costs Nova less than a GET per instance.
REFRESH_BY_ID = 4


@dataclass
class _Tracked:
    kind: str
    scope: Scope
    next_due: float = 0.0
    running: bool = False
    attempted: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ListReport:
    """Data age and stale regions of one list response.

    One report is filled by the threads of one list request, one call per
    scope read.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._ages: list[float] = []
        self._errors: list[RegionError] = []
        self._lock = threading.Lock()

    def read_now(self) -> None:
        """Record a scope read from OpenStack for this request."""
        with self._lock:
            self._ages.append(0.0)

    def served(self, scope: Scope, data: ScopeData) -> None:
        """Record a scope served from the inventory, and its failure if its last sync failed."""
        now = self._clock()
        age = max(0.0, now - (data.synced_at or now))
        with self._lock:
            self._ages.append(age)
            if data.failure is not None:
                self._errors.append(
                    RegionError(
                        cloud=scope.cloud,
                        region=scope.region,
                        status=data.failure.status,
                        reason=(
                            f"data of region {scope.region} is stale ({age:.0f} s old) because its"
                            f" last sync failed {max(0.0, now - data.failure.at):.0f} s ago:"
                            f" {data.failure.reason}"
                        ),
                    )
                )

    @property
    def data_age(self) -> float | None:
        """Seconds since the oldest data served was read from OpenStack; None if none was served."""
        with self._lock:
            return round(max(self._ages), 3) if self._ages else None

    @property
    def errors(self) -> list[RegionError]:
        with self._lock:
            return list(self._errors)


class _ReportingSource:
    """The inventory as an InstanceSource that records each scope it serves."""

    def __init__(self, inventory: Inventory, report: ListReport) -> None:
        self._inventory = inventory
        self._report = report

    def list_instances(self, scope: Scope, query: InstanceQuery) -> list[Instance]:
        return self._inventory.read_instances(scope, query, self._report)


class Inventory:
    """Instances and images of every tracked scope, synced in background threads.

    It is an InstanceSource: `list_instances` returns the stored instances
    of a scope, which the caller filters, sorts and pages.
    """

    def __init__(
        self,
        services: Services,
        settings: InventorySettings,
        store: InventoryStore,
        feed: ChangeFeed,
        leases: Leases,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.services = services
        self.settings = settings
        self.store = store
        self.feed = feed
        self.leases = leases
        self._clock = clock
        self._nova = NovaInstances(services.clouds)
        self._kinds = (INSTANCE, IMAGE) if settings.images else (INSTANCE,)
        self._tracked: dict[tuple[str, Scope], _Tracked] = {}
        self._tracked_lock = threading.Lock()
        self._stop = threading.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._scheduler: threading.Thread | None = None

    # Lifecycle

    def start(self) -> None:
        """Start the background syncs; with `startup: all_projects`, of every known project."""
        self._stop.clear()
        self._executor = ThreadPoolExecutor(
            max_workers=self.settings.sync_workers, thread_name_prefix="perspective-inventory"
        )
        self._scheduler = threading.Thread(target=self._schedule, name="perspective-inventory-scheduler", daemon=True)
        self._scheduler.start()
        logger.info(
            "inventory started: backend %s, owner %s, sync every %g s, full resync every %g s",
            self.settings.backend,
            self.leases.owner,
            self.settings.sync_interval,
            self.settings.full_resync_interval,
        )

    def stop(self) -> None:
        """Stop scheduling syncs, give up the leases, and let running syncs finish on their own."""
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.join(timeout=5)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        try:
            self.leases.release_all()
        except Exception as exc:  # noqa: BLE001 - a stop must not fail because Redis is gone
            logger.warning("could not release the inventory leases: %s", exc)
        logger.info("inventory stopped")

    # Reads

    def list_instances(self, scope: Scope, query: InstanceQuery) -> list[Instance]:
        """Return the stored instances of a scope (InstanceSource); the list must not be modified."""
        return self.read_instances(scope, query, ListReport(self._clock))

    def reporting(self, report: ListReport) -> _ReportingSource:
        """Return an InstanceSource that records the age and staleness of what it serves in `report`."""
        return _ReportingSource(self, report)

    def read_instances(self, scope: Scope, query: InstanceQuery, report: ListReport) -> list[Instance]:
        data = self.data(INSTANCE, scope)
        if data is None:
            report.read_now()
            return self._nova.list_instances(scope, query)
        report.served(scope, data)
        return data.listing

    def instance_ids(self, scope: Scope) -> Collection[str]:
        """Return the ids of the scope's synced instances (InstanceIndex), without waiting.

        A scope not tracked yet starts syncing, for the next request.
        """
        self.track(INSTANCE, scope)
        data = self.store.get(INSTANCE, scope)
        if data is None or not data.loaded:
            return frozenset()
        return data.items.keys()

    def data(self, kind: str, scope: Scope) -> ScopeData | None:
        """Return a scope's synced data, tracking the scope first if needed.

        Waits up to `first_sync_wait` seconds for the first sync. Returns
        None when there is still no data then, or when the first sync failed,
        so that the caller asks OpenStack itself and reports its error.
        """
        tracked = self.track(kind, scope)
        data = self.store.get(kind, scope)
        if data is not None and data.loaded:
            return data

        deadline = time.monotonic() + self.settings.first_sync_wait
        while time.monotonic() < deadline:
            if tracked.attempted.wait(TICK_SECONDS):
                break
            data = self.store.get(kind, scope)
            if data is not None and data.loaded:
                return data
        data = self.store.get(kind, scope)
        if data is not None and data.loaded:
            return data
        logger.info(
            "cloud %s region %s project %s: no %s data yet; asking OpenStack directly",
            scope.cloud,
            scope.region,
            scope.project_id,
            kind,
        )
        return None

    # Writes

    def track(self, kind: str, scope: Scope) -> _Tracked:
        """Add a scope to the syncs, and start its first sync at once; no-op when tracked."""
        key = (kind, scope)
        with self._tracked_lock:
            tracked = self._tracked.get(key)
            if tracked is not None:
                return tracked
            tracked = _Tracked(kind, scope, running=True)
            self._tracked[key] = tracked
        self._submit(tracked)
        return tracked

    def refresh(self, scope: Scope, instance_ids: list[str]) -> None:
        """Read these instances from Nova now and store them, or drop them if they are gone.

        Actions call this after they change instances, so that the next
        list shows the change without waiting for the next sync. Up to
        `REFRESH_BY_ID` ids are read one GET each. More are read with one
        changes-since list, and the ids missing from it (a tag change need
        not appear there) get a GET each if they are few enough, or else
        wait for the next sync. A failure is logged and leaves the
        inventory as it was.
        """
        tracked = self.track(INSTANCE, scope)
        data = self.store.get(INSTANCE, scope)
        if data is None or not data.loaded or data.synced_at is None:
            return
        changed: list[Instance] = []
        deleted: list[str] = []
        try:
            remaining = list(instance_ids)
            if len(remaining) > REFRESH_BY_ID:
                since = datetime.fromtimestamp(data.synced_at - self.settings.change_overlap, timezone.utc)
                found = changes.list_changed_instances(self.services.clouds, scope, since)
                changed, deleted = list(found.changed), list(found.deleted)
                seen = {instance.id for instance in changed}.union(deleted)
                remaining = [instance_id for instance_id in remaining if instance_id not in seen]
            if len(remaining) > REFRESH_BY_ID:
                logger.debug(
                    "cloud %s region %s project %s: %d refreshed instances left to the next sync",
                    scope.cloud,
                    scope.region,
                    scope.project_id,
                    len(remaining),
                )
                remaining = []
            for instance_id in remaining:
                try:
                    instance = servers.get_instance(self.services.clouds, scope, instance_id)
                except NotFound:
                    deleted.append(instance_id)
                    continue
                if instance.status == "DELETED":
                    deleted.append(instance_id)
                else:
                    changed.append(instance)
        except PerspectiveError as exc:
            logger.warning(
                "cloud %s region %s project %s: refresh of instances %s failed: %s",
                scope.cloud,
                scope.region,
                scope.project_id,
                ", ".join(instance_ids),
                exc.detail,
            )
            return

        with tracked.lock:
            data = self.store.get(INSTANCE, scope)
            if data is None or not data.loaded:
                return
            items, item_changes = merge_changes(data.items, changed, deleted)
            new = ScopeData.of(items, synced_at=data.synced_at, full_at=data.full_at, failure=data.failure)
            self.store.put(INSTANCE, scope, new, changed, deleted, full=False)
        self._publish(INSTANCE, scope, item_changes)

    # Background syncs

    def _schedule(self) -> None:
        if self.settings.startup == "all_projects":
            self._track_known_projects()
        while not self._stop.wait(TICK_SECONDS):
            now = self._clock()
            with self._tracked_lock:
                due = [t for t in self._tracked.values() if not t.running and t.next_due <= now]
                for tracked in due:
                    tracked.running = True
            for tracked in due:
                self._submit(tracked)

    def _track_known_projects(self) -> None:
        try:
            projects = self.services.projects.list_projects()
        except PerspectiveError as exc:
            logger.warning("inventory: could not list the projects to sync at startup: %s", exc.detail)
            return
        for error in projects.errors:
            logger.warning(
                "inventory: cloud %s did not list its projects at startup: %s", error.cloud, error.reason
            )
        for project in projects.items:
            for scope in self.services.projects.scopes(project):
                for kind in self._kinds:
                    self.track(kind, scope)
        logger.info("inventory: tracking %d scopes at startup", len(self._tracked))

    def _submit(self, tracked: _Tracked) -> None:
        executor = self._executor
        if executor is None or self._stop.is_set():
            tracked.running = False
            tracked.attempted.set()
            return
        try:
            executor.submit(self._sync, tracked)
        except RuntimeError:
            # The executor was shut down between the check and the submit.
            tracked.running = False
            tracked.attempted.set()

    def _sync(self, tracked: _Tracked) -> None:
        kind, scope = tracked.kind, tracked.scope
        try:
            if self.leases.hold(kind, scope):
                with tracked.lock:
                    item_changes = self._sync_scope(kind, scope)
                self._publish(kind, scope, item_changes)
        except PerspectiveError as exc:
            self._record_failure(kind, scope, exc.status, exc.detail)
        except Exception:  # noqa: BLE001 - one scope's bug must not stop the others' syncs
            logger.exception(
                "cloud %s region %s project %s: %s sync failed unexpectedly",
                scope.cloud,
                scope.region,
                scope.project_id,
                kind,
            )
            self._record_failure(kind, scope, 500, "internal error while syncing; the server log has the details")
        finally:
            tracked.next_due = self._clock() + self.settings.sync_interval
            tracked.running = False
            tracked.attempted.set()

    def _sync_scope(self, kind: str, scope: Scope) -> list[ItemChange]:
        data = self.store.get(kind, scope)
        started = self._clock()
        full = (
            data is None
            or not data.loaded
            or data.full_at is None
            or started - data.full_at >= self.settings.full_resync_interval
        )
        current = data.items if data is not None else {}

        if full:
            listed = self._list_all(kind, scope)
            items, item_changes = replace_items(current, listed)
            upserted, removed = listed, []
            full_at = started
        else:
            since = datetime.fromtimestamp(data.synced_at - self.settings.change_overlap, timezone.utc)
            found = self._list_changed(kind, scope, since)
            items, item_changes = merge_changes(current, found.changed, found.deleted)
            upserted, removed = found.changed, found.deleted
            full_at = data.full_at

        if data is not None and data.loaded and not item_changes:
            # Nothing changed: the same listing object keeps the sorted views
            # that lists cached for it valid until something does.
            new = replace(data, synced_at=started, full_at=full_at, failure=None)
        else:
            new = ScopeData.of(items, synced_at=started, full_at=full_at, failure=None)
        self.store.put(kind, scope, new, upserted, removed, full=full)
        logger.debug(
            "cloud %s region %s project %s: %s %s sync, %d items, %d changes",
            scope.cloud,
            scope.region,
            scope.project_id,
            "full" if full else "incremental",
            kind,
            len(items),
            len(item_changes),
        )
        # The first load of a scope is its starting state, not a change.
        return item_changes if data is not None and data.loaded else []

    def _list_all(self, kind: str, scope: Scope) -> list[Any]:
        if kind == INSTANCE:
            return servers.list_instances(self.services.clouds, scope)
        return changes.list_all_images(self.services.clouds, scope)

    def _list_changed(self, kind: str, scope: Scope, since: datetime) -> changes.Changes:
        if kind == INSTANCE:
            return changes.list_changed_instances(self.services.clouds, scope, since)
        return changes.list_changed_images(self.services.clouds, scope, since)

    def _record_failure(self, kind: str, scope: Scope, status: int, reason: str) -> None:
        logger.warning(
            "cloud %s region %s project %s: %s sync failed, keeping the last data: %s",
            scope.cloud,
            scope.region,
            scope.project_id,
            kind,
            reason,
        )
        try:
            self.store.record_failure(kind, scope, SyncFailure(status=status, reason=reason, at=self._clock()))
        except Exception as exc:  # noqa: BLE001 - the store itself (Redis) may be what failed
            logger.warning("could not record the %s sync failure of %s: %s", kind, scope, exc)

    def _publish(self, kind: str, scope: Scope, item_changes: list[ItemChange]) -> None:
        if not item_changes:
            return
        now = datetime.fromtimestamp(self._clock(), timezone.utc)
        events = [
            InventoryEvent(
                type=kind,
                action=change.action,
                id=change.id,
                name=change.name,
                status=change.status,
                cloud=scope.cloud,
                region=scope.region,
                project_id=scope.project_id,
                time=now,
            )
            for change in item_changes
        ]
        self.feed.publish(events)
        logger.info(
            "cloud %s region %s project %s: %d %s changes published",
            scope.cloud,
            scope.region,
            scope.project_id,
            len(events),
            kind,
        )


def create_inventory(services: Services) -> Inventory | None:
    """Build the inventory the settings ask for, unstarted; None when it is disabled.

    Raises ConfigurationError when the Redis backend is chosen and Redis
    does not respond.
    """
    settings = services.settings.inventory
    if not settings.enabled:
        return None
    if settings.backend == "memory":
        return Inventory(services, settings, MemoryStore(), MemoryFeed(settings.event_buffer), LocalLeases())

    import redis

    client = redis.Redis.from_url(settings.redis_url.get_secret_value())
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ConfigurationError(f"inventory backend redis does not respond: {exc}") from None
    prefix = settings.redis_prefix
    return Inventory(
        services,
        settings,
        RedisStore(client, prefix),
        RedisFeed(client, prefix, settings.event_buffer),
        RedisLeases(client, prefix, settings.lease_ttl),
    )
