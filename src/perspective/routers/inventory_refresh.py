"""Refresh the inventory's copy of the instances an endpoint just changed.

Without it, a list served from the inventory would show an instance's old
state until the next sync. After an action the refresh reads those
instances from Nova once the response has been sent, so it adds nothing
to the action's latency. After a launch it runs before the response: a
list sent right after a launch's 202 must show the new instances.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import BackgroundTasks, Request, Response

from perspective.models.bulk import BulkResult
from perspective.routers.dependencies import ProjectId, RegionId, ServicesDep
from perspective.services.instances import region_scope

__all__ = ["mark_changed", "refresh_now", "schedule_refresh"]

_ATTRIBUTE = "perspective_changed_instances"


def mark_changed(response: Response, results: Iterable[BulkResult]) -> None:
    """Record the ids whose action Nova accepted, for the refresh after the response."""
    setattr(response, _ATTRIBUTE, _accepted_ids(results))


def schedule_refresh(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    project_id: ProjectId,
    region: RegionId,
    services: ServicesDep,
) -> None:
    """Router dependency: after the response, refresh the ids `mark_changed` recorded.

    FastAPI hands the endpoint and its dependencies the same `Response`, so
    the ids the endpoint records there are visible to the background task.
    """
    if getattr(request.app.state, "inventory", None) is None:
        return

    def refresh() -> None:
        _refresh(request, services, project_id, region, getattr(response, _ATTRIBUTE, None) or [])

    background.add_task(refresh)


def refresh_now(
    request: Request, services: ServicesDep, project_id: str, region: str, results: Iterable[BulkResult]
) -> None:
    """Refresh the instances whose action Nova accepted, before the response is sent."""
    _refresh(request, services, project_id, region, _accepted_ids(results))


def _accepted_ids(results: Iterable[BulkResult]) -> list[str]:
    return [result.id for result in results if result.status < 300]


def _refresh(request: Request, services: ServicesDep, project_id: str, region: str, ids: list[str]) -> None:
    inventory = getattr(request.app.state, "inventory", None)
    if inventory is not None and ids:
        inventory.refresh(region_scope(services, project_id, region), ids)
