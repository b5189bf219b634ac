"""Neutron floating IPs bound to the ports of one project's servers.

Perspective marks the floating IPs it allocates with a description that
starts with ALLOCATED_MARK. Removing a marked floating IP from an instance
releases it (deletes it), and terminating the instance does too. A
floating IP the user allocated elsewhere is only disassociated and stays
in the project.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from openstack import exceptions as sdk_exceptions

from perspective.errors import Conflict, InvalidRequest, NotFound
from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack.servers import is_uuid, nova_errors, owned_server, where

__all__ = [
    "ALLOCATED_MARK",
    "Binding",
    "ExternalNetwork",
    "FloatingIpRecord",
    "allocated_floating_ips",
    "bind_floating_ip",
    "find_external_network",
    "find_floating_ip",
    "release_floating_ips",
    "remove_floating_ips",
]

logger = logging.getLogger(__name__)

ALLOCATED_MARK = "Allocated by Perspective"

ROUTER_INTERFACE_OWNERS = frozenset(
    {
        "network:router_interface",
        "network:router_interface_distributed",
        "network:ha_router_replicated_interface",
    }
)


@dataclass(frozen=True)
class ExternalNetwork:
    """An external network and the project's subnets its routers connect to it."""

    id: str
    name: str
    reachable_subnet_ids: frozenset[str]


@dataclass(frozen=True)
class FloatingIpRecord:
    """A floating IP as Neutron returns it."""

    id: str
    address: str
    network_id: str
    port_id: str | None
    fixed_address: str | None
    allocated_by_perspective: bool


@dataclass(frozen=True)
class Binding:
    """The floating IP an instance has after an add."""

    floating_ip: FloatingIpRecord
    allocated: bool
    already_bound: bool


def find_external_network(
    clouds: Clouds, scope: Scope, reference: str | None, field: str = "network"
) -> ExternalNetwork:
    """Return an external network by id or name, or the region's only one."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        external = list(connection.network.networks(is_router_external=True))

        if reference is None:
            if len(external) != 1:
                listed = ", ".join(f"{network.name} ({network.id})" for network in external)
                raise InvalidRequest(
                    f"region {scope.region} has {len(external)} external networks"
                    f"{': ' + listed if listed else ''}; name the one to allocate from in network",
                    field=field,
                )
            chosen = external[0]
        else:
            matches = [network for network in external if network.id == reference] or [
                network for network in external if network.name == reference
            ]
            if len(matches) != 1:
                names = ", ".join(sorted(network.name for network in external)) or "none"
                problem = "is ambiguous; give its id" if matches else "is not an external network"
                raise InvalidRequest(
                    f"network {reference!r} {problem} in region {scope.region}"
                    f" (external networks: {names})",
                    field=field,
                )
            chosen = matches[0]

        reachable = _reachable_subnets(connection, scope, chosen.id)
    return ExternalNetwork(id=chosen.id, name=chosen.name, reachable_subnet_ids=reachable)


def find_floating_ip(
    clouds: Clouds, scope: Scope, reference: str, field: str = "floating_ip"
) -> FloatingIpRecord:
    """Return one of the project's floating IPs by address or id."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        found = None
        if _is_address(reference):
            found = next(
                iter(
                    connection.network.ips(
                        floating_ip_address=reference, project_id=scope.project_id
                    )
                ),
                None,
            )
        elif is_uuid(reference):
            # A UUID, like every Neutron id; nothing else goes into the URL.
            try:
                found = connection.network.get_ip(reference)
            except sdk_exceptions.NotFoundException:
                found = None
    if found is None or found.project_id != scope.project_id:
        raise InvalidRequest(
            f"unknown floating IP {reference!r}: project {scope.project_id} has no floating IP"
            f" with this address or id in region {scope.region}",
            field=field,
        )
    return _record(found)


def bind_floating_ip(
    clouds: Clouds,
    scope: Scope,
    server_id: str,
    network: ExternalNetwork,
    floating_ip: FloatingIpRecord | None,
    fixed_address: str | None,
) -> Binding:
    """Bind `floating_ip`, or a new one from `network`, to a fixed address of a server.

    A fixed address that already has a floating IP from that network keeps
    it, and nothing is allocated. Without `floating_ip`, the existing one
    is returned as already bound. With a different `floating_ip`, Conflict
    is raised. A new floating IP is allocated and bound in one
    Neutron request, so a failed binding leaves no floating IP behind.
    """
    with nova_errors(scope):
        connection = clouds.connect(scope)
        server = owned_server(connection, scope, server_id)
        _check_unlocked(server, scope)
        port_id, address = _choose_fixed_address(connection, scope, server_id, network, fixed_address)

        existing = [
            fip
            for fip in connection.network.ips(port_id=port_id)
            if fip.fixed_ip_address == address and fip.floating_network_id == network.id
        ]
        if existing:
            current = _record(existing[0])
            if floating_ip is None or floating_ip.id == current.id:
                return Binding(current, allocated=False, already_bound=True)
            raise Conflict(
                f"fixed address {address} of instance {server_id} already has floating IP"
                f" {current.address} from network {network.name}; remove it first",
                cloud=scope.cloud,
                region=scope.region,
            )

        if floating_ip is not None:
            if floating_ip.port_id and floating_ip.port_id != port_id:
                raise Conflict(
                    f"floating IP {floating_ip.address} is bound to port {floating_ip.port_id}"
                    f" (fixed address {floating_ip.fixed_address}); remove it there first",
                    cloud=scope.cloud,
                    region=scope.region,
                )
            updated = connection.network.update_ip(
                floating_ip.id, port_id=port_id, fixed_ip_address=address
            )
            logger.info(
                "%s: instance %s: bound floating IP %s to %s",
                where(scope),
                server_id,
                updated.floating_ip_address,
                address,
            )
            return Binding(_record(updated), allocated=False, already_bound=False)

        created = connection.network.create_ip(
            floating_network_id=network.id,
            port_id=port_id,
            fixed_ip_address=address,
            description=f"{ALLOCATED_MARK} for instance {server_id}",
        )
    logger.info(
        "%s: instance %s: allocated floating IP %s (%s) for %s",
        where(scope),
        server_id,
        created.floating_ip_address,
        created.id,
        address,
    )
    return Binding(_record(created), allocated=True, already_bound=False)


def remove_floating_ips(
    clouds: Clouds, scope: Scope, server_id: str, floating_ip: FloatingIpRecord | None
) -> list[tuple[FloatingIpRecord, bool]]:
    """Take `floating_ip`, or every floating IP, off a server.

    Returns each floating IP removed and whether it was released (deleted)
    because Perspective had allocated it; the others are disassociated.
    Raises NotFound when the server has no such floating IP.
    """
    with nova_errors(scope):
        connection = clouds.connect(scope)
        server = owned_server(connection, scope, server_id)
        _check_unlocked(server, scope)
        bound = [_record(fip) for fip in _server_floating_ips(connection, server_id)]
        if floating_ip is not None:
            bound = [fip for fip in bound if fip.id == floating_ip.id]
        if not bound:
            which = f"floating IP {floating_ip.address}" if floating_ip else "any floating IP"
            raise NotFound(
                f"instance {server_id} does not have {which} in {where(scope)}",
                cloud=scope.cloud,
                region=scope.region,
            )

        removed = []
        for fip in bound:
            if fip.allocated_by_perspective:
                connection.network.delete_ip(fip.id, ignore_missing=True)
            else:
                connection.network.update_ip(fip.id, port_id=None)
            removed.append((fip, fip.allocated_by_perspective))
            logger.info(
                "%s: instance %s: %s floating IP %s",
                where(scope),
                server_id,
                "released" if fip.allocated_by_perspective else "disassociated",
                fip.address,
            )
    return removed


def allocated_floating_ips(clouds: Clouds, scope: Scope, server_id: str) -> list[FloatingIpRecord]:
    """List the floating IPs Perspective allocated that are bound to a server."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        records = [_record(fip) for fip in _server_floating_ips(connection, server_id)]
    return [record for record in records if record.allocated_by_perspective]


def release_floating_ips(clouds: Clouds, scope: Scope, records: list[FloatingIpRecord]) -> None:
    """Delete floating IPs; one already gone is released too."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        for record in records:
            connection.network.delete_ip(record.id, ignore_missing=True)
            logger.info("%s: released floating IP %s (%s)", where(scope), record.address, record.id)


def _check_unlocked(server, scope: Scope) -> None:
    # Neutron does not check Nova's lock, so Perspective applies it to
    # floating IPs the way Nova applies it to attaching an interface.
    if server.is_locked:
        raise Conflict(
            f"instance {server.id} is locked; unlock it before changing its floating IPs",
            cloud=scope.cloud,
            region=scope.region,
        )


def _choose_fixed_address(
    connection, scope: Scope, server_id: str, network: ExternalNetwork, fixed_address: str | None
) -> tuple[str, str]:
    candidates = [
        (port.id, fixed["ip_address"], fixed.get("subnet_id"))
        for port in connection.network.ports(device_id=server_id)
        for fixed in port.fixed_ips or []
    ]
    if fixed_address is not None:
        for port_id, address, _ in candidates:
            if address == fixed_address:
                return port_id, address
        addresses = ", ".join(address for _, address, _ in candidates) or "none"
        raise InvalidRequest(
            f"instance {server_id} has no fixed address {fixed_address}; its fixed"
            f" addresses: {addresses}",
            field="fixed_address",
        )

    ipv4 = [candidate for candidate in candidates if ipaddress.ip_address(candidate[1]).version == 4]
    reachable = [candidate for candidate in ipv4 if candidate[2] in network.reachable_subnet_ids]
    chosen = (reachable or ipv4 or [None])[0]
    if chosen is None:
        raise Conflict(
            f"instance {server_id} has no IPv4 fixed address to bind a floating IP to;"
            " attach it to a network first",
            cloud=scope.cloud,
            region=scope.region,
        )
    # NOTE: with no subnet reachable from the external network, the first
    # IPv4 address is tried anyway and Neutron's refusal is reported.
    return chosen[0], chosen[1]


def _reachable_subnets(connection, scope: Scope, network_id: str) -> frozenset[str]:
    subnets: set[str] = set()
    for router in connection.network.routers(project_id=scope.project_id):
        if (router.external_gateway_info or {}).get("network_id") != network_id:
            continue
        for port in connection.network.ports(device_id=router.id):
            if port.device_owner in ROUTER_INTERFACE_OWNERS:
                subnets.update(fixed["subnet_id"] for fixed in port.fixed_ips or [])
    return frozenset(subnets)


def _server_floating_ips(connection, server_id: str) -> list:
    return [
        fip
        for port in connection.network.ports(device_id=server_id)
        for fip in connection.network.ips(port_id=port.id)
    ]


def _record(fip) -> FloatingIpRecord:
    return FloatingIpRecord(
        id=fip.id,
        address=fip.floating_ip_address,
        network_id=fip.floating_network_id,
        port_id=fip.port_id,
        fixed_address=fip.fixed_ip_address,
        allocated_by_perspective=(fip.description or "").startswith(ALLOCATED_MARK),
    )


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
