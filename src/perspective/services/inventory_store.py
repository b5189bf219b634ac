"""Where the inventory keeps each scope's resources: in memory, or in Redis.

A scope's data is one `ScopeData`, replaced as a whole on every write, so
a reader never sees half a sync. Models are validated once, when a sync
reads them from OpenStack (or, with Redis, when a replica first loads a
new version), and lists hand out the stored models as they are.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from pydantic import BaseModel

from perspective.models.images import Image
from perspective.models.instances import Instance
from perspective.openstack import Scope

__all__ = [
    "MODELS",
    "ItemChange",
    "Listing",
    "MemoryStore",
    "RedisStore",
    "ScopeData",
    "SyncFailure",
    "InventoryStore",
    "merge_changes",
    "replace_items",
    "scope_key",
]

logger = logging.getLogger(__name__)

MODELS: dict[str, type[BaseModel]] = {"instance": Instance, "image": Image}


@dataclass(frozen=True)
class SyncFailure:
    """The last sync of a scope that failed after its last success."""

    status: int
    reason: str
    at: float
    """Unix time of the failure."""


class Listing(list):
    """A scope's stored items in id order, shared by every request that reads them.

    Never modified after it is built; a sync builds a new one. Readers may
    therefore keep work derived from it, such as a sorted copy, for as long
    as they hold the same object.
    """

    __slots__ = ()


@dataclass(frozen=True)
class ScopeData:
    """One scope's resources of one type, and when they were read.

    `listing` is sorted by id and must not be modified: every list request
    of the scope shares it.
    """

    items: Mapping[str, Any] = field(default_factory=dict)
    listing: list[Any] = field(default_factory=Listing)
    synced_at: float | None = None
    """Unix time at which the last successful sync started; None before the first."""
    full_at: float | None = None
    """Unix time at which the last successful full list started."""
    failure: SyncFailure | None = None
    version: int = 0

    @property
    def loaded(self) -> bool:
        return self.synced_at is not None

    @classmethod
    def of(cls, items: Mapping[str, Any], **values: Any) -> ScopeData:
        """Build the data of `items`, with the listing sorted by id."""
        listing = Listing(items[key] for key in sorted(items))
        return cls(items=items, listing=listing, **values)


@dataclass(frozen=True)
class ItemChange:
    """One resource created, updated or deleted between two versions of a scope."""

    action: str
    id: str
    name: str | None
    status: str | None


def replace_items(current: Mapping[str, Any], listed: Iterable[Any]) -> tuple[dict[str, Any], list[ItemChange]]:
    """Return the items of a full list and its changes from `current`.

    Every item missing from the full list was deleted.
    """
    new = {item.id: item for item in listed}
    changes = [_change("deleted", item, deleted=True) for key, item in current.items() if key not in new]
    changes.extend(_upsert_changes(current, new.values()))
    return new, changes


def merge_changes(
    current: Mapping[str, Any], changed: Iterable[Any], deleted: Iterable[str]
) -> tuple[dict[str, Any], list[ItemChange]]:
    """Apply an incremental sync to `current` and return the new items and their changes.

    Items seen again unchanged, as the overlap of the `since` time brings
    them, and deletions of ids already gone produce no change.
    """
    changed = list(changed)
    new = dict(current)
    changes = _upsert_changes(current, changed)
    for item in changed:
        new[item.id] = item
    for key in dict.fromkeys(deleted):
        item = new.pop(key, None)
        if item is not None:
            changes.append(_change("deleted", item, deleted=True))
    return new, changes


def _upsert_changes(current: Mapping[str, Any], items: Iterable[Any]) -> list[ItemChange]:
    changes = []
    for item in items:
        previous = current.get(item.id)
        if previous is None:
            changes.append(_change("created", item))
        elif previous != item:
            changes.append(_change("updated", item))
    return changes


def _change(action: str, item: Any, deleted: bool = False) -> ItemChange:
    status = item.status
    if deleted and isinstance(item, Instance):
        status = "DELETED"
    return ItemChange(action=action, id=item.id, name=item.name, status=status)


def scope_key(kind: str, scope: Scope) -> str:
    """Return the key of a scope's data, unique per type, cloud, region and project."""
    return f"{kind}|{scope.cloud}|{scope.region}|{scope.project_id}"


class InventoryStore(Protocol):
    """Storage of every scope's ScopeData."""

    def get(self, kind: str, scope: Scope) -> ScopeData | None:
        """Return a scope's data, or None when nothing was ever stored for it."""
        ...

    def put(
        self, kind: str, scope: Scope, data: ScopeData, upserted: list[Any], removed: list[str], full: bool
    ) -> None:
        """Store a scope's new data; `upserted`, `removed` and `full` describe the difference."""
        ...

    def record_failure(self, kind: str, scope: Scope, failure: SyncFailure | None) -> None:
        """Record a failed sync beside the scope's data, which stays as it was."""
        ...


class MemoryStore:
    """An InventoryStore in this process's memory."""

    def __init__(self) -> None:
        self._data: dict[str, ScopeData] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, scope: Scope) -> ScopeData | None:
        return self._data.get(scope_key(kind, scope))

    def put(
        self, kind: str, scope: Scope, data: ScopeData, upserted: list[Any], removed: list[str], full: bool
    ) -> None:
        with self._lock:
            self._data[scope_key(kind, scope)] = data

    def record_failure(self, kind: str, scope: Scope, failure: SyncFailure | None) -> None:
        key = scope_key(kind, scope)
        with self._lock:
            self._data[key] = replace(self._data.get(key) or ScopeData(), failure=failure)


class RedisStore:
    """An InventoryStore in Redis, shared by every replica with the same prefix.

    Each scope has a hash of items (id to model JSON) and a hash of
    metadata whose `version` grows with every write of items. A replica
    keeps the models of the version it last loaded, so a list costs one
    read of the metadata until another replica writes.
    """

    def __init__(self, client: Any, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._cache: dict[str, ScopeData] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, scope: Scope) -> ScopeData | None:
        key = scope_key(kind, scope)
        meta = self._client.hgetall(self._meta_key(key))
        if not meta:
            return None
        version = int(meta.get(b"version", 0))
        cached = self._cache.get(key)
        if cached is None or cached.version != version:
            cached = self._load(kind, key, version)
        return replace(
            cached,
            synced_at=_float(meta.get(b"synced_at")),
            full_at=_float(meta.get(b"full_at")),
            failure=_failure(meta.get(b"failure")),
        )

    def put(
        self, kind: str, scope: Scope, data: ScopeData, upserted: list[Any], removed: list[str], full: bool
    ) -> None:
        key = scope_key(kind, scope)
        items_key = self._items_key(key)
        pipe = self._client.pipeline(transaction=True)
        if full:
            pipe.delete(items_key)
            upserted = list(data.listing)
        else:
            if removed:
                pipe.hdel(items_key, *removed)
        if upserted:
            pipe.hset(items_key, mapping={item.id: item.model_dump_json() for item in upserted})
        pipe.hincrby(self._meta_key(key), "version", 1)
        pipe.hset(
            self._meta_key(key),
            mapping={"synced_at": repr(data.synced_at), "full_at": repr(data.full_at), "failure": ""},
        )
        version = pipe.execute()[-2]
        with self._lock:
            self._cache[key] = replace(data, version=version)

    def record_failure(self, kind: str, scope: Scope, failure: SyncFailure | None) -> None:
        value = "" if failure is None else json.dumps(failure.__dict__)
        self._client.hset(self._meta_key(scope_key(kind, scope)), "failure", value)

    def _load(self, kind: str, key: str, version: int) -> ScopeData:
        model = MODELS[kind]
        raw = self._client.hgetall(self._items_key(key))
        items = {item_id.decode(): model.model_validate_json(body) for item_id, body in raw.items()}
        data = ScopeData.of(items, version=version)
        with self._lock:
            self._cache[key] = data
        logger.debug("loaded %d %s items of %s from Redis, version %d", len(items), kind, key, version)
        return data

    def _items_key(self, key: str) -> str:
        return f"{self._prefix}:inventory:{key}:items"

    def _meta_key(self, key: str) -> str:
        return f"{self._prefix}:inventory:{key}:meta"


def _float(value: bytes | None) -> float | None:
    if not value or value == b"None":
        return None
    return float(value)


def _failure(value: bytes | None) -> SyncFailure | None:
    if not value:
        return None
    return SyncFailure(**json.loads(value))
