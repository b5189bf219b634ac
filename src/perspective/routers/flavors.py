"""Flavors of a project."""

from __future__ import annotations

from fastapi import APIRouter

from perspective.models.flavors import FlavorList
from perspective.problems import PROBLEM_RESPONSES
from perspective.routers.dependencies import ProjectId, ServicesDep
from perspective.services import flavors

__all__ = ["router"]

router = APIRouter(tags=["flavors"], responses=PROBLEM_RESPONSES)


@router.get(
    "/projects/{project_id}/flavors",
    response_model=FlavorList,
    summary="List a project's flavors in every enabled region",
)
def list_flavors(project_id: ProjectId, services: ServicesDep) -> FlavorList:
    return flavors.list_flavors(services, project_id)
