"""Incremental reads for the inventory: what changed in Nova or Glance since a time.

Nova's `changes-since` filter returns the servers whose `updated_at` is at or
after the given time, including servers deleted since then, which come back
with status DELETED. Glance's `updated_at=gt:` filter returns the images
updated after the given time, but never lists a deleted image, so image
deletions are only seen by a full list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from perspective.models.images import Image
from perspective.models.instances import Instance
from perspective.openstack import images as glance
from perspective.openstack import names
from perspective.openstack import servers
from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack.errors import openstack_errors

__all__ = [
    "INVENTORY_IMAGE_FILTERS",
    "Changes",
    "list_all_images",
    "list_changed_images",
    "list_changed_instances",
]

logger = logging.getLogger(__name__)

# The images an image list returns with its default filters: the project's
# own, public, community and accepted shared images.
INVENTORY_IMAGE_FILTERS: dict[str, str] = {
    "visibility": "all",
    "member_status": "accepted",
    "sort": "created_at:desc",
}
# Glance caps every response at its `api_limit_max`; list_images follows
# the pages, so this is only an upper bound on one scope's images.
MAX_IMAGES = 1_000_000


@dataclass(frozen=True)
class Changes:
    """Resources changed or created since a time, and the ids of those deleted."""

    changed: list[Any] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def list_changed_instances(clouds: Clouds, scope: Scope, since: datetime) -> Changes:
    """List the scope's servers that changed at or after `since`, deleted ones apart."""
    with servers.nova_errors(scope):
        connection = clouds.connect(scope)
        found = [
            server
            for server in connection.compute.servers(details=True, changes_since=_iso(since))
            if server.project_id == scope.project_id
        ]
        deleted = [server.id for server in found if server.status == "DELETED"]
        alive = [server for server in found if server.status != "DELETED"]
        if not alive:
            return Changes(deleted=deleted)

        # NOTE: these helpers are private to servers.py; the inventory must
        # build instances exactly as a plain list does, so it reuses them.
        flavors = names.flavor_ids_later(connection, scope)
        image_names = names.image_names(connection, scope, [servers._image_id(server) for server in alive])
        flavor_ids = flavors.result()

    logger.debug("%s: %d instances changed, %d deleted", servers.where(scope), len(alive), len(deleted))
    changed = [servers._instance(server, scope, flavor_ids, image_names) for server in alive]
    return Changes(changed=changed, deleted=deleted)


def list_all_images(clouds: Clouds, scope: Scope) -> list[Image]:
    """List every image an image list shows the scope's project with its default filters."""
    return glance.list_images(clouds, scope, INVENTORY_IMAGE_FILTERS, None, MAX_IMAGES)


def list_changed_images(clouds: Clouds, scope: Scope, since: datetime) -> Changes:
    """List the images updated after `since`; deletions are never in it."""
    filters = {**INVENTORY_IMAGE_FILTERS, "updated_at": f"gt:{_iso(since)}"}
    with openstack_errors(scope.cloud, scope.region):
        changed = glance.list_images(clouds, scope, filters, None, MAX_IMAGES)
    return Changes(changed=changed)


def _iso(moment: datetime) -> str:
    # Nova and Glance both read ISO 8601 in UTC; whole seconds are enough
    # because the inventory asks with an overlap anyway.
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
