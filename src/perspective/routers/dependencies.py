"""Dependencies the routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from perspective.services.container import Services

__all__ = ["CloudQuery", "ProjectId", "RegionId", "ServicesDep", "get_services"]


def get_services(request: Request) -> Services:
    """Return the Services the application was created with."""
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def resolve_project_id(
    project_id: Annotated[
        str,
        Path(description="Keystone project id, or a project name that only one reachable project has."),
    ],
    services: ServicesDep,
) -> str:
    """Return the project id a path names, so every layer below handles ids only."""
    return services.projects.resolve(project_id)


ProjectId = Annotated[str, Depends(resolve_project_id)]
RegionId = Annotated[str, Path(description="Keystone region id, e.g. `RegionOne`.")]
CloudQuery = Annotated[
    str | None,
    Query(description="clouds.yaml entry to use; required when several are configured."),
]
