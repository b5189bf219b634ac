"""Projects, their service catalogs and RC files."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from perspective.models.projects import ProjectAccess, ProjectList
from perspective.problems import PROBLEM_RESPONSES
from perspective.routers.dependencies import ProjectId, RegionId, ServicesDep
from perspective.services import rcfile as rcfile_service

__all__ = ["router"]

router = APIRouter(tags=["projects"], responses=PROBLEM_RESPONSES)

RCFILE_MEDIA_TYPES = {"sh": "text/plain; charset=utf-8", "clouds.yaml": "application/yaml; charset=utf-8"}


@router.get("/projects", response_model=ProjectList, summary="List the projects the configured users can use")
def list_projects(services: ServicesDep) -> ProjectList:
    return services.projects.list_projects()


@router.get(
    "/projects/{project_id}/access",
    response_model=ProjectAccess,
    summary="Show a project's service catalog by region and interface",
)
def show_access(project_id: ProjectId, services: ServicesDep) -> ProjectAccess:
    return services.projects.access(project_id)


@router.get(
    "/projects/{project_id}/regions/{region}/rcfile",
    response_class=PlainTextResponse,
    summary="Download an OpenStack RC file (or clouds.yaml) for a project and region",
    responses={
        200: {
            "description": "A bash script to source, or a clouds.yaml; neither contains a password.",
            "content": {"text/plain": {}, "application/yaml": {}},
        }
    },
)
def download_rcfile(
    project_id: ProjectId,
    region: RegionId,
    services: ServicesDep,
    format: Annotated[
        Literal["sh", "clouds.yaml"],
        Query(description="`sh` for an RC file to source in bash, `clouds.yaml` for a clouds.yaml."),
    ] = "sh",
) -> Response:
    rendered = rcfile_service.rcfile(services, project_id, region, format)
    return Response(
        content=rendered.content,
        media_type=RCFILE_MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )
