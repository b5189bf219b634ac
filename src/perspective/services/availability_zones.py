"""Availability zones of one region of a project."""

from __future__ import annotations

from perspective.models.availability_zones import AvailabilityZoneList
from perspective.openstack import Scope, compute
from perspective.services.container import Services

__all__ = ["list_availability_zones"]


def list_availability_zones(
    services: Services, project_id: str, region: str
) -> AvailabilityZoneList:
    """List the compute availability zones of one enabled region of a project.

    A single region has nothing to fall back on, so its failure is raised
    instead of being reported in `errors`.
    """
    project = services.projects.get_region(project_id, region)
    zones = compute.list_availability_zones(
        services.clouds, Scope(project.cloud, region, project.id)
    )
    return AvailabilityZoneList(items=zones)
