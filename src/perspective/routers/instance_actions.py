"""Bulk actions on instances of one region of a project.

Every action takes `ids` plus its own parameters, and returns one result
per distinct id. The response status is the status every result shares
(202 when Nova accepted every action, 200 when all are done, 404 when no
id was found, …), or 207 when they differ.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from perspective.errors import InvalidRequest
from perspective.models.bulk import MAX_IDS, BulkResults
from perspective.models.instance_actions import (
    ActionResults,
    AddIpRequest,
    AddIpResults,
    InstanceIdsRequest,
    LockRequest,
    RebootRequest,
    RebuildRequest,
    RemoveIpRequest,
    RemoveIpResults,
    ResizeRequest,
    SnapshotRequest,
    SnapshotResults,
    TagRequest,
    TagResults,
)
from perspective.problems import PROBLEM_RESPONSES, problem_doc
from perspective.routers.dependencies import ProjectId, RegionId, ServicesDep
from perspective.routers.instances import INSTANCES, TimeoutQuery, WaitQuery
from perspective.routers.inventory_refresh import mark_changed, schedule_refresh
from perspective.services import instance_actions as actions
from perspective.services.bulk import response_status
from perspective.services.instance_actions import Waiting
from perspective.services.instance_waits import DEFAULT_TIMEOUT

__all__ = ["router"]

router = APIRouter(
    tags=["instance actions"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(schedule_refresh)],
)

RequestT = TypeVar("RequestT", bound=BaseModel)
ResultsT = TypeVar("ResultsT", bound=BulkResults)

IdQuery = Annotated[
    list[str],
    Query(
        description=(
            f"Instance ids, for clients that cannot send a body with DELETE; 1 to {MAX_IDS}."
            " Give ids either here or in the body."
        )
    ),
]


def _responses(model: type[BulkResults]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": model, "description": "Every action is done."},
        202: {"model": model, "description": "Nova accepted every action and is carrying them out."},
        207: {"model": model, "description": "The ids had different outcomes; each result has its own status."},
        400: problem_doc("A parameter is invalid or names an unknown resource; nothing was done"),
        409: {"model": model, "description": "Every id is locked or in the wrong state."},
    }


def _respond(response: Response, results: ResultsT) -> ResultsT:
    response.status_code = response_status(results.results)
    mark_changed(response, results.results)
    return results


def _body_or_query(
    body: RequestT | None, model: type[RequestT], query: dict[str, Any], names: dict[str, str]
) -> RequestT:
    """Return the request from the JSON body, or else from the query parameters.

    `names` maps body field names to their query parameter names, for
    messages that point at what the client sent.
    """
    query_values = {name: value for name, value in query.items() if value not in (None, [])}
    if body is not None and query_values:
        raise InvalidRequest(
            "send the ids and parameters either as a JSON body or in the query string, not both",
            field="id",
        )
    if body is not None:
        return body
    if not query_values:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "ids"),
                    "msg": "Field required: send a JSON body with ids, or ?id=… in the query string",
                    "type": "missing",
                }
            ]
        )
    try:
        return model.model_validate(query_values)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_input=False, include_url=False):
            location = list(error["loc"])
            if location and location[0] in names:
                location[0] = names[location[0]]
            errors.append({**error, "loc": ("query", *location)})
        raise RequestValidationError(errors) from None


# --- terminate --------------------------------------------------------------


@router.delete(
    INSTANCES,
    response_model=ActionResults,
    status_code=202,
    summary="Terminate instances",
    description=(
        "Deletes the instances. Floating IPs that Perspective allocated for an instance"
        " (PUT …/instances/ip) are released with it; other floating IPs stay in the project."
        " With `wait`, a result is 200 once the instance is gone."
    ),
    responses=_responses(ActionResults),
)
def terminate(
    project_id: ProjectId,
    region: RegionId,
    response: Response,
    services: ServicesDep,
    body: Annotated[InstanceIdsRequest | None, Body()] = None,
    id: IdQuery = [],  # noqa: B006 - FastAPI copies defaults per request
    wait: WaitQuery = False,
    timeout: TimeoutQuery = DEFAULT_TIMEOUT,
) -> ActionResults:
    request = _body_or_query(body, InstanceIdsRequest, {"ids": id}, {"ids": "id"})
    results = actions.terminate(services, project_id, region, request.ids, Waiting(wait, timeout))
    return _respond(response, ActionResults(results=results))


# --- power and state --------------------------------------------------------


@router.put(
    INSTANCES + "/reboot",
    response_model=ActionResults,
    status_code=202,
    summary="Reboot instances",
    responses=_responses(ActionResults),
)
def reboot(
    project_id: ProjectId,
    region: RegionId,
    body: RebootRequest,
    response: Response,
    services: ServicesDep,
    wait: WaitQuery = False,
    timeout: TimeoutQuery = DEFAULT_TIMEOUT,
) -> ActionResults:
    results = actions.reboot(services, project_id, region, body, Waiting(wait, timeout))
    return _respond(response, ActionResults(results=results))


@router.put(
    INSTANCES + "/rebuild",
    response_model=ActionResults,
    status_code=202,
    summary="Rebuild instances from an image",
    description="Every instance is rebuilt from `image`; its disk is replaced.",
    responses=_responses(ActionResults),
)
def rebuild(
    project_id: ProjectId,
    region: RegionId,
    body: RebuildRequest,
    response: Response,
    services: ServicesDep,
    wait: WaitQuery = False,
    timeout: TimeoutQuery = DEFAULT_TIMEOUT,
) -> ActionResults:
    results = actions.rebuild(services, project_id, region, body, Waiting(wait, timeout))
    return _respond(response, ActionResults(results=results))


@router.put(
    INSTANCES + "/resize",
    response_model=ActionResults,
    status_code=202,
    summary="Resize instances to another flavor",
    description=(
        "Nova moves each instance to `flavor` and stops at VERIFY_RESIZE, where the"
        " resize is confirmed (PUT …/instances/resize/confirm) or reverted"
        " (PUT …/instances/resize/revert). With `confirm: true`, Perspective waits for"
        " VERIFY_RESIZE (at most `timeout` seconds, even without `wait`) and confirms."
    ),
    responses=_responses(ActionResults),
)
def resize(
    project_id: ProjectId,
    region: RegionId,
    body: ResizeRequest,
    response: Response,
    services: ServicesDep,
    wait: WaitQuery = False,
    timeout: TimeoutQuery = DEFAULT_TIMEOUT,
) -> ActionResults:
    results = actions.resize(services, project_id, region, body, Waiting(wait, timeout))
    return _respond(response, ActionResults(results=results))


@router.put(
    INSTANCES + "/resize/confirm",
    response_model=ActionResults,
    status_code=202,
    summary="Confirm the resize of instances in VERIFY_RESIZE",
    responses=_responses(ActionResults),
)
def confirm_resize(
    project_id: ProjectId,
    region: RegionId,
    body: InstanceIdsRequest,
    response: Response,
    services: ServicesDep,
    wait: WaitQuery = False,
    timeout: TimeoutQuery = DEFAULT_TIMEOUT,
) -> ActionResults:
    results = actions.confirm_resize(services, project_id, region, body.ids, Waiting(wait, timeout))
    return _respond(response, ActionResults(results=results))


@router.put(
    INSTANCES + "/resize/revert",
    response_model=ActionResults,
    status_code=202,
    summary="Revert the resize of instances in VERIFY_RESIZE",
    responses=_responses(ActionResults),
)
def revert_resize(
    project_id: ProjectId,
    region: RegionId,
    body: InstanceIdsRequest,
    response: Response,
    services: ServicesDep,
    wait: WaitQuery = False,
    timeout: TimeoutQuery = DEFAULT_TIMEOUT,
) -> ActionResults:
    results = actions.revert_resize(services, project_id, region, body.ids, Waiting(wait, timeout))
    return _respond(response, ActionResults(results=results))


@router.put(
    INSTANCES + "/snapshot",
    response_model=SnapshotResults,
    status_code=202,
    summary="Snapshot instances into new images",
    description=(
        "Each result carries the new image's id. With `wait`, a result is 200 once"
        " Glance has the image active. Nova allows snapshots of locked instances."
    ),
    responses=_responses(SnapshotResults),
)
def snapshot(
    project_id: ProjectId,
    region: RegionId,
    body: SnapshotRequest,
    response: Response,
    services: ServicesDep,
    wait: WaitQuery = False,
    timeout: TimeoutQuery = DEFAULT_TIMEOUT,
) -> SnapshotResults:
    results = actions.snapshot(services, project_id, region, body, Waiting(wait, timeout))
    return _respond(response, SnapshotResults(results=results))


def _power_action(name: str, summary: str, description: str | None = None):
    """Register PUT …/instances/<name> for an action that takes only ids."""
    action = getattr(actions, name)

    @router.put(
        f"{INSTANCES}/{name}",
        response_model=ActionResults,
        status_code=202,
        summary=summary,
        description=description or "",
        responses=_responses(ActionResults),
        name=name,
    )
    def endpoint(
        project_id: ProjectId,
        region: RegionId,
        body: InstanceIdsRequest,
        response: Response,
        services: ServicesDep,
        wait: WaitQuery = False,
        timeout: TimeoutQuery = DEFAULT_TIMEOUT,
    ) -> ActionResults:
        results = action(services, project_id, region, body.ids, Waiting(wait, timeout))
        return _respond(response, ActionResults(results=results))

    return endpoint


_power_action("pause", "Pause instances")
_power_action(
    "resume",
    "Resume suspended instances and unpause paused ones",
    "A SUSPENDED instance is resumed and a PAUSED one unpaused; any other gets 409.",
)
_power_action("suspend", "Suspend instances")
_power_action("shutdown", "Shut instances down (Nova's stop)")
_power_action("start", "Start instances that are shut off")


# --- lock -------------------------------------------------------------------


@router.put(
    INSTANCES + "/lock",
    response_model=ActionResults,
    summary="Lock instances",
    description=(
        "A locked instance refuses actions from non-administrators until it is unlocked."
        " Nova still lets a locked instance be tagged, snapshotted and locked again;"
        " Perspective also refuses floating IP changes on it."
    ),
    responses=_responses(ActionResults),
)
def lock(
    project_id: ProjectId, region: RegionId, body: LockRequest, response: Response, services: ServicesDep
) -> ActionResults:
    return _respond(response, ActionResults(results=actions.lock(services, project_id, region, body)))


@router.put(
    INSTANCES + "/unlock",
    response_model=ActionResults,
    summary="Unlock instances",
    responses=_responses(ActionResults),
)
def unlock(
    project_id: ProjectId,
    region: RegionId,
    body: InstanceIdsRequest,
    response: Response,
    services: ServicesDep,
) -> ActionResults:
    return _respond(response, ActionResults(results=actions.unlock(services, project_id, region, body.ids)))


# --- tags -------------------------------------------------------------------


@router.post(
    INSTANCES + "/tag",
    response_model=TagResults,
    summary="Add tags to instances",
    description="Each result lists the instance's tags afterwards. Nova allows tagging a locked instance.",
    responses=_responses(TagResults),
)
def add_tags(
    project_id: ProjectId, region: RegionId, body: TagRequest, response: Response, services: ServicesDep
) -> TagResults:
    return _respond(response, TagResults(results=actions.tag(services, project_id, region, body)))


@router.delete(
    INSTANCES + "/tag",
    response_model=TagResults,
    summary="Remove tags from instances",
    description="A tag the instance does not have counts as removed.",
    responses=_responses(TagResults),
)
def remove_tags(
    project_id: ProjectId,
    region: RegionId,
    response: Response,
    services: ServicesDep,
    body: Annotated[TagRequest | None, Body()] = None,
    id: IdQuery = [],  # noqa: B006 - FastAPI copies defaults per request
    tag: Annotated[list[str], Query(description="Tags to remove, with ?id=….")] = [],  # noqa: B006
) -> TagResults:
    request = _body_or_query(body, TagRequest, {"ids": id, "tags": tag}, {"ids": "id", "tags": "tag"})
    return _respond(response, TagResults(results=actions.untag(services, project_id, region, request)))


# --- floating IPs ----------------------------------------------------------


@router.put(
    INSTANCES + "/ip",
    response_model=AddIpResults,
    summary="Add a floating IP to instances",
    description=(
        "With `floating_ip`, that existing floating IP of the project is bound to the"
        " instance (one id only). Otherwise a new floating IP is allocated from"
        " `network`, or from the region's only external network, for each instance;"
        " Perspective marks it as its own in the floating IP's description.\n\n"
        "A fixed address that already has a floating IP from that network keeps it and"
        " nothing is allocated: the result is 200 with that floating IP, `allocated: false`"
        " and a `detail` saying so. If `floating_ip` names a different one, the result is"
        " 409. A locked instance gets 409."
    ),
    responses=_responses(AddIpResults),
)
def add_ip(
    project_id: ProjectId, region: RegionId, body: AddIpRequest, response: Response, services: ServicesDep
) -> AddIpResults:
    return _respond(response, AddIpResults(results=actions.add_ip(services, project_id, region, body)))


@router.delete(
    INSTANCES + "/ip",
    response_model=RemoveIpResults,
    summary="Remove floating IPs from instances",
    description=(
        "Removes `floating_ip`, or every floating IP of each instance. A floating IP that"
        " Perspective allocated is released (deleted); one the user allocated is only"
        " disassociated and stays in the project. An instance without such a floating IP"
        " gets 404, and a locked instance 409."
    ),
    responses=_responses(RemoveIpResults),
)
def remove_ip(
    project_id: ProjectId,
    region: RegionId,
    response: Response,
    services: ServicesDep,
    body: Annotated[RemoveIpRequest | None, Body()] = None,
    id: IdQuery = [],  # noqa: B006 - FastAPI copies defaults per request
    floating_ip: Annotated[
        str | None, Query(description="Address or id of the floating IP to remove, with ?id=….")
    ] = None,
) -> RemoveIpResults:
    request = _body_or_query(
        body, RemoveIpRequest, {"ids": id, "floating_ip": floating_ip}, {"ids": "id"}
    )
    return _respond(response, RemoveIpResults(results=actions.remove_ip(services, project_id, region, request)))
