"""Availability zones of a project's region."""

from __future__ import annotations

from fastapi import APIRouter

from perspective.models.availability_zones import AvailabilityZoneList
from perspective.problems import PROBLEM_RESPONSES
from perspective.routers.dependencies import ProjectId, RegionId, ServicesDep
from perspective.services import availability_zones

__all__ = ["router"]

router = APIRouter(tags=["availability zones"], responses=PROBLEM_RESPONSES)


@router.get(
    "/projects/{project_id}/regions/{region}/availability_zones",
    response_model=AvailabilityZoneList,
    summary="List the compute availability zones of a region",
)
def list_availability_zones(
    project_id: ProjectId, region: RegionId, services: ServicesDep
) -> AvailabilityZoneList:
    return availability_zones.list_availability_zones(services, project_id, region)
