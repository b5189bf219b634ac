"""Instances of a project: lists, one instance, its console and log, and launches."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import PlainTextResponse, RedirectResponse

from perspective.models.instances import (
    Instance,
    InstanceList,
    LaunchRequest,
    LaunchResults,
)
from perspective.problems import PROBLEM_RESPONSES, problem_doc
from perspective.routers.dependencies import ProjectId, RegionId, ServicesDep
from perspective.models.freshness import FreshInstanceQuery
from perspective.routers.freshness import finish, instance_source
from perspective.routers.inventory_refresh import refresh_now
from perspective.services import instance_launch, instances
from perspective.services.bulk import response_status
from perspective.services.instance_waits import DEFAULT_TIMEOUT, MAX_TIMEOUT
from perspective.services.instances import InstanceSource

__all__ = ["INSTANCES", "TimeoutQuery", "WaitQuery", "get_instance_source", "router"]

router = APIRouter(tags=["instances"], responses=PROBLEM_RESPONSES)

INSTANCES = "/projects/{project_id}/regions/{region}/instances"
MAX_LOG_LINES = 100_000


def get_instance_source(request: Request) -> InstanceSource:
    """Return the source of instance lists the application was created with."""
    return request.app.state.instance_source


InstanceSourceDep = Annotated[InstanceSource, Depends(get_instance_source)]
InstanceId = Annotated[str, Path(description="Nova server UUID.")]
QueryParameters = Annotated[FreshInstanceQuery, Query()]
WaitQuery = Annotated[
    bool,
    Query(
        description=(
            "Wait until each instance reaches the action's end state, at most"
            " `timeout` seconds, and report where each one got to."
        )
    ),
]
TimeoutQuery = Annotated[
    int,
    Query(ge=1, le=MAX_TIMEOUT, description=f"Seconds `wait` waits, 1 to {MAX_TIMEOUT}."),
]
ConsoleType = Annotated[
    Literal["novnc", "spice-html5", "serial", "rdp-html5", "webmks"],
    Query(
        description=(
            "Console type, as Nova names it; `webmks` is the MKS console. The region's"
            " Nova must have that type enabled."
        )
    ),
]


@router.get(
    INSTANCES,
    response_model=InstanceList,
    summary="List a project's instances in one region",
    description=(
        "Filters combine: an instance must match all of them. `next` is the URL of the"
        " next page, or null on the last one."
    ),
)
def list_instances(
    project_id: ProjectId,
    region: RegionId,
    query: QueryParameters,
    request: Request,
    response: Response,
    services: ServicesDep,
    source: InstanceSourceDep,
) -> InstanceList:
    source, report = instance_source(request, source, query.fresh)
    page = instances.list_region_instances(services, source, project_id, region, query)
    body = InstanceList(items=page.items, errors=page.errors, next=_next_url(request, page.next_marker))
    return finish(body, report, response)


@router.get(
    "/projects/{project_id}/instances",
    response_model=InstanceList,
    summary="List a project's instances in every enabled region",
    description=(
        "Regions are asked in parallel; a region that fails is reported in `errors` and"
        " the page holds the instances of the others, sorted together."
    ),
)
def list_project_instances(
    project_id: ProjectId,
    query: QueryParameters,
    request: Request,
    response: Response,
    services: ServicesDep,
    source: InstanceSourceDep,
) -> InstanceList:
    source, report = instance_source(request, source, query.fresh)
    page = instances.list_project_instances(services, source, project_id, query)
    body = InstanceList(items=page.items, errors=page.errors, next=_next_url(request, page.next_marker))
    return finish(body, report, response)


@router.get(INSTANCES + "/{instance_id}", response_model=Instance, summary="Show one instance")
def show_instance(
    project_id: ProjectId, region: RegionId, instance_id: InstanceId, services: ServicesDep
) -> Instance:
    return instances.get_instance(services, project_id, region, instance_id)


@router.get(
    INSTANCES + "/{instance_id}/console",
    response_class=RedirectResponse,
    status_code=status.HTTP_302_FOUND,
    summary="Redirect to a new remote console of an instance",
    responses={
        302: {"description": "`Location` is the console URL Nova returned."},
        409: problem_doc("Nova cannot give this type of console for this instance; `detail` says why"),
    },
)
def open_console(
    project_id: ProjectId,
    region: RegionId,
    instance_id: InstanceId,
    services: ServicesDep,
    type: ConsoleType = "novnc",
) -> RedirectResponse:
    url = instances.console_url(services, project_id, region, instance_id, type)
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND)


@router.get(
    INSTANCES + "/{instance_id}/log",
    response_class=PlainTextResponse,
    summary="Read an instance's console log",
    responses={
        200: {"content": {"text/plain": {}}, "description": "The console log."},
        409: problem_doc("Nova has no console log for this instance"),
    },
)
def read_log(
    project_id: ProjectId,
    region: RegionId,
    instance_id: InstanceId,
    services: ServicesDep,
    lines: Annotated[
        int | None,
        Query(gt=0, le=MAX_LOG_LINES, description="Return only the last this many lines."),
    ] = None,
) -> PlainTextResponse:
    text = instances.console_log(services, project_id, region, instance_id, lines)
    return PlainTextResponse(text)


@router.post(
    INSTANCES,
    response_model=LaunchResults,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Launch instances",
    description=(
        "Answers 202 with one result per new instance. With `wait`, each result is 201"
        " once the instance is ACTIVE, 502 with Nova's fault if it went to ERROR, or 202"
        " if it is still building after `timeout` seconds; the response status is the"
        " one they share, else 207. Several instances are created in one Nova request,"
        " which schedules all of them or none."
    ),
    responses={
        201: {"model": LaunchResults, "description": "Waited: every instance is ACTIVE."},
        207: {"model": LaunchResults, "description": "Waited: the instances ended differently."},
        400: problem_doc("A flavor, image, network, keypair, security group or zone is unknown or ambiguous"),
        403: problem_doc("Nova refused, for example because the project's quota is exhausted"),
    },
)
def launch_instances(
    request: Request,
    project_id: ProjectId,
    region: RegionId,
    body: LaunchRequest,
    response: Response,
    services: ServicesDep,
    wait: WaitQuery = False,
    timeout: TimeoutQuery = DEFAULT_TIMEOUT,
) -> LaunchResults:
    launched = instance_launch.launch(services, project_id, region, body, wait, timeout)
    response.status_code = response_status(launched.results)
    refresh_now(request, services, project_id, region, launched.results)
    return launched


def _next_url(request: Request, marker: str | None) -> str | None:
    if marker is None:
        return None
    return str(request.url.include_query_params(marker=marker))
