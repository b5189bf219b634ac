"""Dependencies the routers share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from perspective.services.container import Services

__all__ = ["CloudQuery", "ProjectId", "RegionId", "ServicesDep", "get_services"]


async def get_services(request: Request) -> Services:
    """Return the Services the application was created with."""
    # async, like every dependency that does not block: FastAPI runs a plain
    # function in its thread pool, a hop each request would pay for nothing.
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


async def resolve_project_id(
    project_id: Annotated[
        str,
        Path(description="Keystone project id, or a project name that only one reachable project has."),
    ],
    services: ServicesDep,
) -> str:
    """Return the project id a path names, so every layer below handles ids only."""
    resolved = services.projects.resolve_cached(project_id)
    if resolved is not None:
        return resolved
    # The cached project list has expired. Reading it again calls Keystone,
    # which must not block the event loop.
    return await run_in_threadpool(services.projects.resolve, project_id)


ProjectId = Annotated[str, Depends(resolve_project_id)]
RegionId = Annotated[str, Path(description="Keystone region id, e.g. `RegionOne`.")]
CloudQuery = Annotated[
    str | None,
    Query(description="clouds.yaml entry to use; required when several are configured."),
]
