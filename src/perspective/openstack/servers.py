"""Nova servers of one project and region: list, show, launch, console and log.

Every function takes a project-scoped `Scope`. Nova already hides other
projects' servers from a member's token. An administrator's token, though,
can read and act on any server by id, so each function that takes an id
also checks the server's project and reports another project's server as
not found.
A bulk action may vouch for ids that it has already seen in the project's
listing (`vouched_for`), which spares Nova one GET per id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack import resource
from openstack.compute.v2.server import Server as SdkServer
from openstack.compute.v2.server_remote_console import CONSOLE_TYPE_PROTOCOL_MAPPING

from perspective.errors import Conflict, Forbidden, NotFound
from perspective.models.instances import Address, Fault, Instance, InstanceFlavor, InstanceImage
from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack import names
from perspective.openstack.errors import openstack_errors

__all__ = [
    "CONSOLE_TYPES",
    "console_log",
    "console_url",
    "check_owner",
    "create_servers",
    "get_instance",
    "get_state",
    "is_uuid",
    "Launched",
    "LaunchSpec",
    "list_instances",
    "not_found",
    "nova_errors",
    "owned_server",
    "reason",
    "ServerState",
    "vouched_for",
    "where",
]

logger = logging.getLogger(__name__)

# Remote console types Nova can return a URL for (compute API 2.6 and later).
# `webmks` is Nova's type of the MKS protocol; `spice-direct` is left out
# because it returns connection details, not a URL to open.
CONSOLE_TYPES = ("novnc", "spice-html5", "serial", "rdp-html5", "webmks")

# Nova's power_state numbers and the names nova.compute.power_state gives them.
POWER_STATES = {
    0: "pending",
    1: "running",
    3: "paused",
    4: "shutdown",
    6: "crashed",
    7: "suspended",
}

MAX_REASON_LENGTH = 300
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class _MultiCreateServer(SdkServer):
    """openstacksdk's Server with the fields of a launch of several servers.

    With `return_reservation_id`, Nova returns `{"reservation_id": …}`
    alone, without a server, so the reservation id is read from the body.
    """

    min_count = resource.Body("min_count", type=int)
    max_count = resource.Body("max_count", type=int)
    return_reservation_id = resource.Body("return_reservation_id", type=bool)
    launched_reservation_id = resource.Body("reservation_id")


@dataclass(frozen=True)
class ServerState:
    """The state of a server that an action reads before and after acting on it."""

    id: str
    name: str
    status: str
    task_state: str | None
    locked: bool
    fault: str | None
    flavor_name: str | None
    image_id: str | None


@dataclass(frozen=True)
class LaunchSpec:
    """A launch request with every reference resolved to an id."""

    name: str
    count: int
    flavor_id: str
    image_id: str
    network_ids: list[str] | None
    key_name: str | None = None
    availability_zone: str | None = None
    security_group_ids: list[str] | None = None
    user_data: str | None = None
    """Already base64-encoded."""
    metadata: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Launched:
    """The servers one launch created."""

    reservation_id: str | None
    servers: list[ServerState]


def where(scope: Scope) -> str:
    """Describe a scope for messages: cloud, region and project."""
    return f"cloud {scope.cloud} region {scope.region} project {scope.project_id}"


@contextmanager
def nova_errors(scope: Scope) -> Iterator[None]:
    """Translate SDK exceptions, keeping a 403 as a refusal of this one action.

    `openstack_errors` reads every 403 as rejected credentials, but once a
    token has been issued, a 403 from Nova or Neutron means its policy or a
    quota forbids this action on this resource.
    """
    with openstack_errors(scope.cloud, scope.region):
        try:
            yield
        except sdk_exceptions.ForbiddenException as exc:
            raise Forbidden(
                f"cloud {scope.cloud} region {scope.region}: OpenStack forbids it: {reason(exc)}",
                cloud=scope.cloud,
                region=scope.region,
            ) from exc


def reason(exc: Exception) -> str:
    """Return the message of an SDK exception, on one line and shortened."""
    details = getattr(exc, "details", None) or getattr(exc, "message", None) or exc
    text = " ".join(str(details).split())
    if len(text) > MAX_REASON_LENGTH:
        return text[: MAX_REASON_LENGTH - 1] + "…"
    return text


def not_found(scope: Scope, server_id: str) -> NotFound:
    """Return the error for a server id the scope's project does not have."""
    return NotFound(
        f"instance {server_id} not found in {where(scope)}",
        cloud=scope.cloud,
        region=scope.region,
    )


def list_instances(clouds: Clouds, scope: Scope, tags: list[str] | None = None) -> list[Instance]:
    """List every server of the scope's project in the scope's region.

    `tags` narrows the list in Nova to servers that have all of them.
    """
    query: dict[str, Any] = {}
    if tags:
        query["tags"] = ",".join(tags)

    with nova_errors(scope):
        connection = clouds.connect(scope)
        flavors = names.flavor_ids_later(connection, scope)
        servers = [
            server
            for server in connection.compute.servers(details=True, **query)
            if server.project_id == scope.project_id
        ]
        image_names = names.image_names(connection, scope, [_image_id(server) for server in servers])
        flavor_ids = flavors.result()

    logger.debug("%s: listed %d instances", where(scope), len(servers))
    return [_instance(server, scope, flavor_ids, image_names) for server in servers]


def get_instance(clouds: Clouds, scope: Scope, server_id: str) -> Instance:
    """Return one server of the scope's project, with its fault if it has one."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        flavors = names.flavor_ids_later(connection, scope)
        server = owned_server(connection, scope, server_id)
        image_names = names.image_names(connection, scope, [_image_id(server)])
        flavor_ids = flavors.result()
    return _instance(server, scope, flavor_ids, image_names)


def get_state(clouds: Clouds, scope: Scope, server_id: str) -> ServerState:
    """Return a server's status, task state and lock; NotFound when it is not there."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        return _state(owned_server(connection, scope, server_id))


def console_url(clouds: Clouds, scope: Scope, server_id: str, console_type: str) -> str:
    """Return the URL of a new remote console of a server.

    Raises Conflict, with Nova's reason, when Nova cannot give that type of
    console for this server: the type is disabled in the region, the driver
    does not support it, or the server is not running on a host.
    """
    with nova_errors(scope):
        connection = clouds.connect(scope)
        owned_server(connection, scope, server_id)
        try:
            console = connection.compute.create_server_remote_console(
                server_id,
                protocol=CONSOLE_TYPE_PROTOCOL_MAPPING[console_type],
                type=console_type,
            )
        except sdk_exceptions.HttpException as exc:
            if exc.status_code in (400, 409, 501):
                raise Conflict(
                    f"instance {server_id} in {where(scope)} cannot give a {console_type}"
                    f" console: {reason(exc)}",
                    cloud=scope.cloud,
                    region=scope.region,
                ) from exc
            raise
    logger.info("%s: opened a %s console of instance %s", where(scope), console_type, server_id)
    return console.url


def console_log(clouds: Clouds, scope: Scope, server_id: str, lines: int | None) -> str:
    """Return a server's console log, or its last `lines` lines."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        owned_server(connection, scope, server_id)
        try:
            output = connection.compute.get_server_console_output(server_id, length=lines)
        except sdk_exceptions.HttpException as exc:
            if exc.status_code in (409, 501):
                raise Conflict(
                    f"instance {server_id} in {where(scope)} has no console log: {reason(exc)}",
                    cloud=scope.cloud,
                    region=scope.region,
                ) from exc
            raise
    return output.get("output") or ""


def create_servers(clouds: Clouds, scope: Scope, spec: LaunchSpec) -> Launched:
    """Launch `spec.count` servers in one Nova request.

    One server is created with a plain create. Several are created by
    Nova's multiple create (`min_count` = `max_count` = count), which
    schedules them all or none; Nova then returns only a reservation id,
    and the servers are listed by it.
    """
    attributes: dict[str, Any] = {
        "name": spec.name,
        "flavor_id": spec.flavor_id,
        "image_id": spec.image_id,
        "networks": "none" if spec.network_ids == [] else "auto",
    }
    if spec.network_ids:
        attributes["networks"] = [{"uuid": network_id} for network_id in spec.network_ids]
    if spec.key_name:
        attributes["key_name"] = spec.key_name
    if spec.availability_zone:
        attributes["availability_zone"] = spec.availability_zone
    if spec.security_group_ids:
        # Nova looks up a `name` in Neutron as a name or an id; ids cannot be ambiguous.
        attributes["security_groups"] = [{"name": group_id} for group_id in spec.security_group_ids]
    if spec.user_data:
        attributes["user_data"] = spec.user_data
    if spec.metadata:
        attributes["metadata"] = spec.metadata
    if spec.tags:
        attributes["tags"] = spec.tags

    with nova_errors(scope):
        connection = clouds.connect(scope)
        if spec.count == 1:
            server = connection.compute.create_server(**attributes)
            launched = Launched(reservation_id=None, servers=[_created_state(server, spec.name)])
        else:
            created = connection.compute._create(
                _MultiCreateServer,
                min_count=spec.count,
                max_count=spec.count,
                return_reservation_id=True,
                **attributes,
            )
            reservation_id = created.launched_reservation_id
            servers = connection.compute.servers(details=True, reservation_id=reservation_id)
            states = sorted((_state(server) for server in servers), key=lambda state: state.name)
            launched = Launched(reservation_id=reservation_id, servers=states)

    logger.info(
        "%s: launched %s (reservation %s)",
        where(scope),
        ", ".join(state.id for state in launched.servers),
        launched.reservation_id or "none",
    )
    return launched


def is_uuid(value: str) -> bool:
    """Tell whether a string is a lowercase hyphenated UUID, the form of Nova and Neutron ids."""
    return bool(_UUID.match(value))


_vouched: ContextVar[Collection[str]] = ContextVar("perspective_vouched_servers", default=frozenset())


@contextmanager
def vouched_for(server_ids: Collection[str]) -> Iterator[None]:
    """Let `check_owner` accept these ids without asking Nova, inside the block.

    Only for ids known to belong to the project of every scope used inside
    the block, such as the ids the inventory synced for it. The ids follow
    the context into threads started with a copy of it.
    """
    token = _vouched.set(server_ids)
    try:
        yield
    finally:
        _vouched.reset(token)


def check_owner(connection, scope: Scope, server_id: str) -> None:
    """Raise NotFound unless the server is the scope's project's; see `owned_server`."""
    if is_uuid(server_id) and server_id in _vouched.get():
        return
    owned_server(connection, scope, server_id)


def owned_server(connection, scope: Scope, server_id: str) -> SdkServer:
    """Return the SDK server of the scope's project with this id; NotFound otherwise."""
    # Ids reach Nova inside a URL path, so anything but a UUID is reported
    # as not found before it is sent.
    if not is_uuid(server_id):
        raise not_found(scope, server_id)
    try:
        server = connection.compute.get_server(server_id)
    except sdk_exceptions.NotFoundException:
        raise not_found(scope, server_id) from None
    if server.project_id != scope.project_id:
        logger.warning(
            "%s: instance %s belongs to project %s; reported as not found",
            where(scope),
            server_id,
            server.project_id,
        )
        raise not_found(scope, server_id)
    return server


def _state(server: SdkServer) -> ServerState:
    flavor = _nested(server, "flavor")
    return ServerState(
        id=server.id,
        name=server.name,
        status=server.status,
        task_state=server.task_state,
        locked=bool(server.is_locked),
        fault=(server.fault or {}).get("message"),
        flavor_name=(flavor.get("original_name") or flavor.get("name")) if flavor else None,
        image_id=_image_id(server),
    )


def _created_state(server: SdkServer, name: str) -> ServerState:
    # The create response carries the id and little else.
    return ServerState(
        id=server.id,
        name=server.name or name,
        status=server.status or "BUILD",
        task_state=server.task_state,
        locked=False,
        fault=None,
        flavor_name=None,
        image_id=None,
    )


def _nested(server: SdkServer, name: str) -> dict[str, Any]:
    """Return a server's `image` or `flavor` as Nova sent it, a dict; {} when it has none.

    openstacksdk builds a new resource object on each read of `server.image`
    or `server.flavor`. Each read took 0.4 to 0.6 ms (openstacksdk 4.x, one
    core of a 2-core machine), which is more than the rest of an instance
    put together and adds up to seconds for a list of thousands. openstacksdk keeps the
    value it parsed from the response, with the same fields, in the private
    `_body`. Where a later openstacksdk keeps it elsewhere, the attribute is
    read instead.
    """
    body = getattr(server, "_body", None)
    attributes = getattr(body, "attributes", None)
    if isinstance(attributes, dict) and name in attributes:
        value = attributes[name]
    else:
        value = getattr(server, name)
        value = value.to_dict(computed=False) if value is not None and not isinstance(value, (dict, str)) else value
    return value if isinstance(value, dict) else {}


def _image_id(server: SdkServer) -> str | None:
    # Nova returns "" for the image of a server booted from a volume.
    return _nested(server, "image").get("id") or None


def _instance(
    server: SdkServer, scope: Scope, flavor_ids: dict[str, str], image_names: dict[str, str]
) -> Instance:
    image_id = _image_id(server)
    return Instance(
        id=server.id,
        name=server.name,
        status=server.status,
        task_state=server.task_state,
        vm_state=server.vm_state,
        power_state=POWER_STATES.get(server.power_state),
        flavor=_flavor(server, flavor_ids),
        image=InstanceImage(id=image_id, name=image_names.get(image_id)) if image_id else None,
        addresses=_addresses(server.addresses or {}),
        key_name=server.key_name,
        availability_zone=server.availability_zone or None,
        security_groups=sorted({group.get("name", "") for group in server.security_groups or []}),
        tags=list(server.tags or []),
        metadata=dict(server.metadata or {}),
        locked=bool(server.is_locked),
        locked_reason=server.locked_reason,
        fault=_fault(server.fault),
        project_id=server.project_id,
        user_id=server.user_id,
        created=server.created_at,
        updated=server.updated_at,
        region=scope.region,
        cloud=scope.cloud,
    )


def _flavor(server: SdkServer, flavor_ids: dict[str, str]) -> InstanceFlavor | None:
    flavor = _nested(server, "flavor")
    if not flavor:
        return None
    # Since compute API 2.47 the embedded flavor has `original_name`, no id.
    name = flavor.get("original_name") or flavor.get("name")
    return InstanceFlavor(
        id=flavor_ids.get(name),
        name=name,
        vcpus=flavor.get("vcpus") or 0,
        ram=flavor.get("ram") or 0,
        disk=flavor.get("disk") or 0,
        ephemeral=flavor.get("ephemeral") or 0,
        swap=flavor.get("swap") or 0,
    )


def _addresses(addresses: dict[str, list[dict]]) -> dict[str, list[Address]]:
    return {
        network: [
            Address(
                addr=address["addr"],
                version=address.get("version", 4),
                type=address.get("OS-EXT-IPS:type"),
                mac_addr=address.get("OS-EXT-IPS-MAC:mac_addr"),
            )
            for address in entries
        ]
        for network, entries in addresses.items()
    }


def _fault(fault: dict | None) -> Fault | None:
    if not fault:
        return None
    return Fault(code=fault.get("code") or 0, message=fault.get("message") or "", created=fault.get("created"))
