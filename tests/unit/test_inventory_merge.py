"""Change merging of the inventory, its change feed and its leases, without a cloud."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from perspective.models.events import InventoryEvent
from perspective.models.images import Image
from perspective.models.instances import Instance
from perspective.openstack import Scope
from perspective.openstack.changes import Changes
from perspective.services.events import MemoryFeed
from perspective.services.inventory import INSTANCE, Inventory
from perspective.services.inventory_store import MemoryStore, ScopeData, merge_changes, replace_items
from perspective.services.leases import LocalLeases, RedisLeases
from perspective.settings import InventorySettings

SCOPE = Scope("alpha", "R1", "p1")


def instance(server_id: str, status: str = "ACTIVE", name: str | None = None) -> Instance:
    return Instance(id=server_id, name=name or f"vm-{server_id}", status=status, region="R1", cloud="alpha")


def by_id(*items) -> dict:
    return {item.id: item for item in items}


def actions(changes) -> dict[str, str]:
    return {change.id: change.action for change in changes}


def test_merge_adds_new_instance():
    items, changes = merge_changes(by_id(instance("a")), [instance("b")], [])
    assert set(items) == {"a", "b"}
    assert actions(changes) == {"b": "created"}


def test_merge_status_change_is_update():
    items, changes = merge_changes(by_id(instance("a")), [instance("a", "PAUSED")], [])
    assert items["a"].status == "PAUSED"
    assert [(change.action, change.status) for change in changes] == [("updated", "PAUSED")]


def test_merge_overlap_repeat_is_no_change():
    current = by_id(instance("a"), instance("b"))
    items, changes = merge_changes(current, [instance("a")], [])
    assert items == current
    assert changes == []


def test_merge_deleted_instance_dropped():
    items, changes = merge_changes(by_id(instance("a"), instance("b")), [], ["a"])
    assert set(items) == {"b"}
    assert [(change.id, change.action, change.status) for change in changes] == [("a", "deleted", "DELETED")]


def test_merge_unknown_deletion_ignored():
    items, changes = merge_changes(by_id(instance("a")), [], ["gone", "gone"])
    assert set(items) == {"a"}
    assert changes == []


def test_merge_leaves_current_unchanged():
    current = by_id(instance("a"))
    merge_changes(current, [instance("b")], ["a"])
    assert set(current) == {"a"}


def test_replace_finds_missing_as_deleted():
    current = by_id(instance("a"), instance("b"))
    items, changes = replace_items(current, [instance("b", "SHUTOFF"), instance("c")])
    assert set(items) == {"b", "c"}
    assert actions(changes) == {"a": "deleted", "b": "updated", "c": "created"}


def test_replace_deleted_image_keeps_status():
    image = Image(id="i1", name="cirros", status="active", visibility="public", region="R1", cloud="alpha")
    _, changes = replace_items(by_id(image), [])
    assert [(change.action, change.status) for change in changes] == [("deleted", "active")]


def test_scope_data_listing_sorted_by_id():
    data = ScopeData.of(by_id(instance("c"), instance("a"), instance("b")), synced_at=1.0)
    assert [item.id for item in data.listing] == ["a", "b", "c"]
    assert data.loaded


def event(number: int, project: str = "p1") -> InventoryEvent:
    return InventoryEvent(
        type="instance",
        action="created",
        id=f"id-{number}",
        status="ACTIVE",
        cloud="alpha",
        region="R1",
        project_id=project,
        time=datetime.now(timezone.utc),
    )


def test_feed_reads_after_cursor():
    feed = MemoryFeed(size=10)
    feed.publish([event(1), event(2), event(3)])
    entries = feed.read_after("1", limit=10)
    assert [entry.id for entry in entries] == ["2", "3"]
    assert entries[0].name == "instance.created"
    assert InventoryEvent.model_validate_json(entries[0].data).id == "id-2"


def test_feed_old_cursor_starts_at_oldest_kept():
    feed = MemoryFeed(size=2)
    feed.publish([event(1), event(2), event(3)])
    assert [entry.id for entry in feed.read_after("0", limit=10)] == ["2", "3"]
    assert feed.last_id() == "3"


class FakeRedis:
    """The Redis commands the leases use, with expiry on a clock the test moves."""

    def __init__(self) -> None:
        self.now_ms = 0
        self._values: dict[str, tuple[str, int]] = {}

    def _get(self, key: str) -> str | None:
        value = self._values.get(key)
        if value is None or value[1] <= self.now_ms:
            self._values.pop(key, None)
            return None
        return value[0]

    def register_script(self, script: str):
        if "'set'" in script:
            return self._acquire_or_renew
        return self._release

    def _acquire_or_renew(self, keys: list[str], args: list) -> int:
        key, (owner, ttl_ms) = keys[0], args
        current = self._get(key)
        if current == owner or current is None:
            self._values[key] = (owner, self.now_ms + int(ttl_ms))
            return 1
        return 0

    def _release(self, keys: list[str], args: list) -> int:
        if self._get(keys[0]) == args[0]:
            del self._values[keys[0]]
            return 1
        return 0


@pytest.fixture
def fake_redis() -> FakeRedis:
    return FakeRedis()


def test_lease_only_one_holder(fake_redis):
    first = RedisLeases(fake_redis, "t", ttl=10, owner="first")
    second = RedisLeases(fake_redis, "t", ttl=10, owner="second")
    assert first.hold("instance", SCOPE)
    assert not second.hold("instance", SCOPE)


def test_lease_renewal_keeps_holder(fake_redis):
    first = RedisLeases(fake_redis, "t", ttl=10, owner="first")
    second = RedisLeases(fake_redis, "t", ttl=10, owner="second")
    first.hold("instance", SCOPE)
    fake_redis.now_ms = 8_000
    assert first.hold("instance", SCOPE)
    fake_redis.now_ms = 16_000
    assert not second.hold("instance", SCOPE)


def test_lease_expiry_lets_other_take_over(fake_redis):
    first = RedisLeases(fake_redis, "t", ttl=10, owner="first")
    second = RedisLeases(fake_redis, "t", ttl=10, owner="second")
    first.hold("instance", SCOPE)
    fake_redis.now_ms = 10_001
    assert second.hold("instance", SCOPE)
    assert not first.hold("instance", SCOPE)


def test_lease_release_frees_scope(fake_redis):
    first = RedisLeases(fake_redis, "t", ttl=10, owner="first")
    second = RedisLeases(fake_redis, "t", ttl=10, owner="second")
    first.hold("instance", SCOPE)
    first.release_all()
    assert second.hold("instance", SCOPE)


def test_lease_scopes_independent(fake_redis):
    first = RedisLeases(fake_redis, "t", ttl=10, owner="first")
    second = RedisLeases(fake_redis, "t", ttl=10, owner="second")
    first.hold("instance", SCOPE)
    assert second.hold("instance", Scope("alpha", "R2", "p1"))
    assert second.hold("image", SCOPE)


class ScriptedInventory(Inventory):
    """An Inventory whose Nova lists are set by the test."""

    def __init__(self) -> None:
        super().__init__(
            SimpleNamespace(clouds=None), InventorySettings(), MemoryStore(), MemoryFeed(10), LocalLeases()
        )
        self.full: list[Instance] = []
        self.changed = Changes()

    def _list_all(self, kind, scope):
        return list(self.full)

    def _list_changed(self, kind, scope, since):
        return self.changed


def test_quiet_sync_keeps_listing_object():
    inventory = ScriptedInventory()
    inventory.full = [instance("a"), instance("b")]
    inventory._sync_scope(INSTANCE, SCOPE)
    first = inventory.store.get(INSTANCE, SCOPE)

    # The overlap of an incremental sync brings back an unchanged server.
    inventory.changed = Changes(changed=[instance("a")])
    inventory._sync_scope(INSTANCE, SCOPE)
    quiet = inventory.store.get(INSTANCE, SCOPE)
    assert quiet.listing is first.listing
    assert quiet.synced_at >= first.synced_at

    inventory.changed = Changes(changed=[instance("a", status="SHUTOFF")])
    inventory._sync_scope(INSTANCE, SCOPE)
    changed = inventory.store.get(INSTANCE, SCOPE)
    assert changed.listing is not first.listing
    assert [item.status for item in changed.listing] == ["SHUTOFF", "ACTIVE"]
