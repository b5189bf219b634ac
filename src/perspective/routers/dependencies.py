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
ProjectId = Annotated[str, Path(description="Keystone project id.")]
RegionId = Annotated[str, Path(description="Keystone region id, e.g. `RegionOne`.")]
CloudQuery = Annotated[
    str | None,
    Query(description="clouds.yaml entry to use; required when several are configured."),
]
