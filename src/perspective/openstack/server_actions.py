"""Nova server actions on one server of one project and region.

Each function checks that the server belongs to the scope's project (see
`servers.check_owner`, which costs a GET unless the id is vouched for),
sends one action to Nova and returns once Nova has accepted
it; Nova carries most of them out afterwards. Nova's 409 (locked, or the
wrong state for the action) arrives as Conflict with Nova's message.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from openstack import exceptions as sdk_exceptions

from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack.servers import check_owner, not_found, nova_errors, owned_server, where

__all__ = [
    "confirm_resize",
    "create_image",
    "delete",
    "image_status",
    "lock",
    "pause",
    "reboot",
    "rebuild",
    "resize",
    "resume",
    "revert_resize",
    "start",
    "stop",
    "suspend",
    "tag",
    "unlock",
    "unpause",
    "untag",
]

logger = logging.getLogger(__name__)


def _act(clouds: Clouds, scope: Scope, server_id: str, method: str, *args, **kwargs):
    with nova_errors(scope):
        connection = clouds.connect(scope)
        check_owner(connection, scope, server_id)
        try:
            result = getattr(connection.compute, method)(server_id, *args, **kwargs)
        except sdk_exceptions.NotFoundException:
            # Deleted since the ownership check, or since the inventory's sync.
            raise not_found(scope, server_id) from None
    logger.info("%s: instance %s: %s accepted", where(scope), server_id, method)
    return result


def delete(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "delete_server", ignore_missing=False)


def reboot(clouds: Clouds, scope: Scope, server_id: str, reboot_type: str) -> None:
    _act(clouds, scope, server_id, "reboot_server", reboot_type)


def rebuild(clouds: Clouds, scope: Scope, server_id: str, image_id: str) -> None:
    _act(clouds, scope, server_id, "rebuild_server", image_id)


def resize(clouds: Clouds, scope: Scope, server_id: str, flavor_id: str) -> None:
    _act(clouds, scope, server_id, "resize_server", flavor_id)


def confirm_resize(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "confirm_server_resize")


def revert_resize(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "revert_server_resize")


def create_image(
    clouds: Clouds, scope: Scope, server_id: str, name: str, metadata: dict[str, str]
) -> str:
    """Snapshot a server; return the id of the Glance image Nova creates."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        server = owned_server(connection, scope, server_id)
        # The proxy's create_server_image reads the new image back through
        # openstacksdk's cloud layer; the Server resource returns its id alone.
        image_id = server.create_image(connection.compute, name, metadata or None)
    logger.info("%s: instance %s: snapshot image %s", where(scope), server_id, image_id)
    return image_id


def pause(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "pause_server")


def unpause(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "unpause_server")


def suspend(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "suspend_server")


def resume(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "resume_server")


def stop(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "stop_server")


def start(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "start_server")


def lock(clouds: Clouds, scope: Scope, server_id: str, locked_reason: str | None) -> None:
    _act(clouds, scope, server_id, "lock_server", locked_reason=locked_reason)


def unlock(clouds: Clouds, scope: Scope, server_id: str) -> None:
    _act(clouds, scope, server_id, "unlock_server")


def tag(clouds: Clouds, scope: Scope, server_id: str, tags: list[str]) -> list[str]:
    """Add tags one by one, so that tags set concurrently are kept; return the tags."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        server = owned_server(connection, scope, server_id)
        for name in tags:
            if name not in (server.tags or []):
                # openstacksdk puts the tag into the URL path as it is.
                connection.compute.add_tag_to_server(server_id, quote(name, safe=""))
        tags_now = _tags(connection, scope, server_id)
    logger.info("%s: instance %s: tags %s added", where(scope), server_id, ", ".join(tags))
    return tags_now


def untag(clouds: Clouds, scope: Scope, server_id: str, tags: list[str]) -> list[str]:
    """Remove tags one by one; a tag the server lacks is already removed. Return the tags."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        server = owned_server(connection, scope, server_id)
        for name in tags:
            if name not in (server.tags or []):
                continue
            try:
                connection.compute.remove_tag_from_server(server_id, quote(name, safe=""))
            except sdk_exceptions.NotFoundException:
                # Removed concurrently; the tag is gone either way.
                continue
        tags_now = _tags(connection, scope, server_id)
    logger.info("%s: instance %s: tags %s removed", where(scope), server_id, ", ".join(tags))
    return tags_now


def image_status(clouds: Clouds, scope: Scope, image_id: str) -> str | None:
    """Return a Glance image's status, or None when it no longer exists."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        try:
            return connection.image.get_image(image_id).status
        except sdk_exceptions.NotFoundException:
            return None


def _tags(connection, scope: Scope, server_id: str) -> list[str]:
    return list(owned_server(connection, scope, server_id).tags or [])
