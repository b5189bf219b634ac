"""Networks of a project across its regions."""

from __future__ import annotations

from perspective.models.networks import NetworkList
from perspective.openstack import network
from perspective.services.container import Services

__all__ = ["list_networks"]


def list_networks(services: Services, project_id: str) -> NetworkList:
    """List the project's networks, with subnets, in every enabled region."""
    items, errors = services.in_project_regions(project_id, network.list_networks)
    return NetworkList(items=items, errors=errors)
