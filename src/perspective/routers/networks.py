"""Networks of a project."""

from __future__ import annotations

from fastapi import APIRouter

from perspective.models.networks import NetworkList
from perspective.problems import PROBLEM_RESPONSES
from perspective.routers.dependencies import ProjectId, ServicesDep
from perspective.services import networks

__all__ = ["router"]

router = APIRouter(tags=["networks"], responses=PROBLEM_RESPONSES)


@router.get(
    "/projects/{project_id}/networks",
    response_model=NetworkList,
    summary="List a project's networks, with subnets, in every enabled region",
)
def list_networks(project_id: ProjectId, services: ServicesDep) -> NetworkList:
    return networks.list_networks(services, project_id)
