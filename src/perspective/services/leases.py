"""Leases that let one replica at a time sync a scope of the inventory.

With the Redis backend, every replica tracks every scope, and each sync
first takes or renews the scope's lease: `SET key owner NX PX ttl`. Only
the holder reads OpenStack and writes the scope's data. When the holder
stops renewing (it stopped or hangs), the key expires after `ttl` and the
next replica to try takes the scope over.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol

from perspective.openstack import Scope

__all__ = ["Leases", "LocalLeases", "RedisLeases"]

logger = logging.getLogger(__name__)

# Take the lease when it is free, or renew it when this owner holds it, in
# one step, so a lease that expires between a check and a renewal is never
# renewed on behalf of the replica that took it over.
ACQUIRE_OR_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    redis.call('pexpire', KEYS[1], ARGV[2])
    return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return 1
end
return 0
"""

RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class Leases(Protocol):
    """Who may sync a scope."""

    owner: str

    def hold(self, kind: str, scope: Scope) -> bool:
        """Take or renew the lease of a scope; return whether this replica holds it."""
        ...

    def release_all(self) -> None:
        """Give up every lease this replica holds, so another can take over at once."""
        ...


class LocalLeases:
    """Leases of a single process, which holds every scope."""

    def __init__(self) -> None:
        self.owner = "local"

    def hold(self, kind: str, scope: Scope) -> bool:
        return True

    def release_all(self) -> None:
        return None


class RedisLeases:
    """Leases in Redis, each a key whose value is the owner's id."""

    def __init__(self, client: Any, prefix: str, ttl: float, owner: str | None = None) -> None:
        self.owner = owner or uuid.uuid4().hex
        self._client = client
        self._prefix = prefix
        self._ttl_ms = max(1, int(ttl * 1000))
        self._acquire = client.register_script(ACQUIRE_OR_RENEW)
        self._release = client.register_script(RELEASE)
        self._held: set[str] = set()

    def key(self, kind: str, scope: Scope) -> str:
        """Return the Redis key of a scope's lease."""
        return f"{self._prefix}:lease:{kind}|{scope.cloud}|{scope.region}|{scope.project_id}"

    def hold(self, kind: str, scope: Scope) -> bool:
        key = self.key(kind, scope)
        held = bool(self._acquire(keys=[key], args=[self.owner, self._ttl_ms]))
        if held and key not in self._held:
            logger.info(
                "took the %s lease of cloud %s region %s project %s", kind, scope.cloud, scope.region, scope.project_id
            )
            self._held.add(key)
        elif not held and key in self._held:
            logger.warning(
                "lost the %s lease of cloud %s region %s project %s to another replica",
                kind,
                scope.cloud,
                scope.region,
                scope.project_id,
            )
            self._held.discard(key)
        return held

    def release_all(self) -> None:
        for key in sorted(self._held):
            self._release(keys=[key], args=[self.owner])
        self._held.clear()
