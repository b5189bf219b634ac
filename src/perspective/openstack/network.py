"""Neutron: networks with their subnets, in one region."""

from __future__ import annotations

import logging

from perspective.models.networks import AllocationPool, Network, Subnet
from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack.errors import openstack_errors

__all__ = ["list_networks"]

logger = logging.getLogger(__name__)


def list_networks(clouds: Clouds, scope: Scope) -> list[Network]:
    """List the networks the scope's project can use, each with its subnets.

    That is the project's own networks, shared ones and external ones. An
    admin's token lists every project's networks, so the others are left out.
    """
    with openstack_errors(scope.cloud, scope.region):
        connection = clouds.connect(scope)
        project_id = connection.current_project_id
        networks = [
            network
            for network in connection.network.networks()
            if network.project_id == project_id
            or network.is_shared
            or network.is_router_external
        ]
        wanted = {network.id for network in networks}
        subnets_by_network: dict[str, list[Subnet]] = {}
        for subnet in connection.network.subnets():
            if subnet.network_id in wanted:
                subnets_by_network.setdefault(subnet.network_id, []).append(_subnet(subnet))

    return [
        Network(
            id=network.id,
            name=network.name,
            status=network.status,
            project_id=network.project_id,
            shared=bool(network.is_shared),
            admin_state_up=network.is_admin_state_up is not False,
            router_external=bool(network.is_router_external),
            mtu=network.mtu,
            availability_zones=network.availability_zones or [],
            description=network.description or None,
            subnets=subnets_by_network.get(network.id, []),
            region=scope.region,
            cloud=scope.cloud,
        )
        for network in networks
    ]


def _subnet(subnet) -> Subnet:
    return Subnet(
        id=subnet.id,
        name=subnet.name,
        cidr=subnet.cidr,
        ip_version=subnet.ip_version,
        gateway_ip=subnet.gateway_ip,
        enable_dhcp=subnet.is_dhcp_enabled is not False,
        allocation_pools=[AllocationPool(**pool) for pool in subnet.allocation_pools or []],
        dns_nameservers=subnet.dns_nameservers or [],
        project_id=subnet.project_id,
    )
