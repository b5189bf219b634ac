"""Flavors of a project across its regions."""

from __future__ import annotations

from perspective.models.flavors import FlavorList
from perspective.openstack import compute
from perspective.services.container import Services

__all__ = ["list_flavors"]


def list_flavors(services: Services, project_id: str) -> FlavorList:
    """List the project's flavors in every enabled region."""
    items, errors = services.in_project_regions(project_id, compute.list_flavors)
    return FlavorList(items=items, errors=errors)
