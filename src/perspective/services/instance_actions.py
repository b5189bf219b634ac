"""Bulk actions on instances of one region of a project.

Every action runs in the same steps. The project and region are checked,
then the action's parameters (a flavor, an image, a floating IP) are
resolved, so that a bad parameter rejects the whole request before any
instance is touched. Then each distinct id is acted on, in parallel, and
gets its own result. With `wait`, the request then polls the instances
that Nova accepted until they reach the action's end state or the timeout
passes.

Per-id statuses: 200 when the action is done, because it is synchronous
(lock) or was waited for. 202 when Nova accepted it and is still carrying
it out. 502 when the instance went to ERROR during the wait. Otherwise the
status of the error: 404 not found, 409 locked or wrong state, 400 bad
parameter for this instance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from perspective.errors import Conflict, PerspectiveError
from perspective.models.bulk import BulkResult
from perspective.models.instance_actions import (
    ActionResult,
    AddIpRequest,
    AddIpResult,
    LockRequest,
    RebootRequest,
    RebuildRequest,
    RemoveIpRequest,
    RemovedFloatingIp,
    RemoveIpResult,
    ResizeRequest,
    SnapshotRequest,
    SnapshotResult,
    TagRequest,
    TagResult,
)
from perspective.openstack import Clouds, Scope, floating_ips, references, server_actions, servers
from perspective.services.bulk import run_per_id, unique
from perspective.services.container import Services
from perspective.services.instance_waits import Target, WaitOutcome, wait_for
from perspective.services.instances import canonical_id, region_scope

__all__ = [
    "add_ip",
    "confirm_resize",
    "lock",
    "pause",
    "reboot",
    "rebuild",
    "remove_ip",
    "resize",
    "resume",
    "revert_resize",
    "shutdown",
    "snapshot",
    "start",
    "suspend",
    "tag",
    "terminate",
    "unlock",
    "untag",
]

logger = logging.getLogger(__name__)

DONE = 200
ACCEPTED = 202
FAILED = 502

ResultT = TypeVar("ResultT", bound=BulkResult)


@dataclass(frozen=True)
class Accepted:
    """The outcome of acting on one instance, before any wait."""

    target: Target | None
    """End state to wait for; None when the action is already done."""

    fields: dict[str, Any] = field(default_factory=dict)
    """Extra fields of the instance's result, such as a snapshot's image id."""

    detail: str | None = None


@dataclass
class _Entry:
    id: str
    accepted: Accepted | None = None
    error: PerspectiveError | None = None
    outcome: WaitOutcome | None = None


Perform = Callable[[Clouds, Scope, str], Accepted]


@dataclass(frozen=True)
class Waiting:
    """Whether and how long a request waits for the end state."""

    wait: bool
    timeout: float
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        return self.started + self.timeout


# --- actions without parameters -------------------------------------------


def terminate(
    services: Services, project_id: str, region: str, ids: Sequence[str], waiting: Waiting
) -> list[ActionResult]:
    """Delete instances, releasing the floating IPs Perspective allocated for them."""
    return _simple(services, project_id, region, ids, waiting, _terminate)


def pause(services: Services, project_id: str, region: str, ids: Sequence[str], waiting: Waiting) -> list[ActionResult]:
    return _simple(services, project_id, region, ids, waiting, _nova(server_actions.pause, "PAUSED"))


def suspend(services: Services, project_id: str, region: str, ids: Sequence[str], waiting: Waiting) -> list[ActionResult]:
    return _simple(services, project_id, region, ids, waiting, _nova(server_actions.suspend, "SUSPENDED"))


def resume(services: Services, project_id: str, region: str, ids: Sequence[str], waiting: Waiting) -> list[ActionResult]:
    """Resume suspended instances and unpause paused ones; others get 409."""
    return _simple(services, project_id, region, ids, waiting, _resume)


def shutdown(services: Services, project_id: str, region: str, ids: Sequence[str], waiting: Waiting) -> list[ActionResult]:
    return _simple(services, project_id, region, ids, waiting, _nova(server_actions.stop, "SHUTOFF"))


def start(services: Services, project_id: str, region: str, ids: Sequence[str], waiting: Waiting) -> list[ActionResult]:
    return _simple(services, project_id, region, ids, waiting, _nova(server_actions.start, "ACTIVE"))


def confirm_resize(services: Services, project_id: str, region: str, ids: Sequence[str], waiting: Waiting) -> list[ActionResult]:
    return _simple(services, project_id, region, ids, waiting, _nova(server_actions.confirm_resize, "ACTIVE"))


def revert_resize(services: Services, project_id: str, region: str, ids: Sequence[str], waiting: Waiting) -> list[ActionResult]:
    return _simple(services, project_id, region, ids, waiting, _nova(server_actions.revert_resize, "ACTIVE"))


def unlock(services: Services, project_id: str, region: str, ids: Sequence[str]) -> list[ActionResult]:
    return _simple(services, project_id, region, ids, None, _nova(server_actions.unlock, None))


# --- actions with parameters ----------------------------------------------


def reboot(services: Services, project_id: str, region: str, request: RebootRequest, waiting: Waiting) -> list[ActionResult]:
    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        server_actions.reboot(clouds, scope, server_id, request.type)
        return Accepted(Target.status("ACTIVE"))

    return _simple(services, project_id, region, request.ids, waiting, perform)


def rebuild(services: Services, project_id: str, region: str, request: RebuildRequest, waiting: Waiting) -> list[ActionResult]:
    scope = region_scope(services, project_id, region)
    image_id = references.resolve_image(services.clouds, scope, request.image)

    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        server_actions.rebuild(clouds, scope, server_id, image_id)
        return Accepted(Target.status("ACTIVE"))

    entries = _act_all(services, scope, request.ids, perform)
    return _finish(services.clouds, scope, entries, waiting, ActionResult)


def resize(services: Services, project_id: str, region: str, request: ResizeRequest, waiting: Waiting) -> list[ActionResult]:
    """Resize instances; with `confirm`, confirm each once it reaches VERIFY_RESIZE.

    Confirming needs VERIFY_RESIZE, so with `confirm` the request waits for
    it even without `wait`, at most `waiting.timeout` seconds. An instance
    that does not get there in time stays unconfirmed and gets 202.
    """
    scope = region_scope(services, project_id, region)
    clouds = services.clouds
    flavor_id = references.resolve_flavor(clouds, scope, request.flavor)

    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        server_actions.resize(clouds, scope, server_id, flavor_id)
        return Accepted(Target.status("VERIFY_RESIZE"))

    entries = _act_all(services, scope, request.ids, perform)
    if not request.confirm:
        return _finish(clouds, scope, entries, waiting, ActionResult)

    _wait_all(clouds, scope, entries, waiting)
    ready = [entry.id for entry in entries if entry.outcome and entry.outcome.state == "done"]
    confirmed = {
        entry.id: entry
        for entry in _act_all(services, scope, ready, _nova(server_actions.confirm_resize, "ACTIVE"))
    }
    for entry in entries:
        if entry.outcome and entry.outcome.state == "pending":
            entry.outcome = WaitOutcome(
                "pending",
                entry.outcome.instance_status,
                f"{entry.outcome.detail}; the resize was not confirmed: confirm it with"
                " PUT …/instances/resize/confirm once the instance is VERIFY_RESIZE",
            )
    entries = [confirmed.get(entry.id, entry) for entry in entries]
    return _finish(clouds, scope, entries, waiting, ActionResult)


def snapshot(services: Services, project_id: str, region: str, request: SnapshotRequest, waiting: Waiting) -> list[SnapshotResult]:
    """Snapshot instances; each result names its new image, which `wait` waits to be active."""

    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        image_id = server_actions.create_image(clouds, scope, server_id, request.name, request.metadata)
        return Accepted(Target(image_id=image_id), fields={"image_id": image_id})

    return _simple(services, project_id, region, request.ids, waiting, perform, SnapshotResult)


def lock(services: Services, project_id: str, region: str, request: LockRequest) -> list[ActionResult]:
    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        server_actions.lock(clouds, scope, server_id, request.locked_reason)
        return Accepted(None)

    return _simple(services, project_id, region, request.ids, None, perform)


def tag(services: Services, project_id: str, region: str, request: TagRequest) -> list[TagResult]:
    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        return Accepted(None, fields={"tags": server_actions.tag(clouds, scope, server_id, request.tags)})

    return _simple(services, project_id, region, request.ids, None, perform, TagResult)


def untag(services: Services, project_id: str, region: str, request: TagRequest) -> list[TagResult]:
    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        return Accepted(None, fields={"tags": server_actions.untag(clouds, scope, server_id, request.tags)})

    return _simple(services, project_id, region, request.ids, None, perform, TagResult)


def add_ip(services: Services, project_id: str, region: str, request: AddIpRequest) -> list[AddIpResult]:
    """Bind a floating IP to each instance; see `floating_ips.bind_floating_ip`."""
    scope = region_scope(services, project_id, region)
    clouds = services.clouds
    chosen = None
    if request.floating_ip is not None:
        chosen = floating_ips.find_floating_ip(clouds, scope, request.floating_ip)
        network = floating_ips.find_external_network(clouds, scope, chosen.network_id, field="floating_ip")
    else:
        network = floating_ips.find_external_network(clouds, scope, request.network)

    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        binding = floating_ips.bind_floating_ip(
            clouds, scope, server_id, network, chosen, request.fixed_address
        )
        record = binding.floating_ip
        detail = None
        if binding.already_bound:
            detail = (
                f"fixed address {record.fixed_address} already had floating IP"
                f" {record.address}; nothing was allocated"
            )
        return Accepted(
            None,
            fields={
                "floating_ip": record.address,
                "floating_ip_id": record.id,
                "fixed_address": record.fixed_address,
                "allocated": binding.allocated,
            },
            detail=detail,
        )

    entries = _act_all(services, scope, request.ids, perform)
    return _finish(clouds, scope, entries, None, AddIpResult)


def remove_ip(services: Services, project_id: str, region: str, request: RemoveIpRequest) -> list[RemoveIpResult]:
    """Take floating IPs off instances: release Perspective's, disassociate the others."""
    scope = region_scope(services, project_id, region)
    clouds = services.clouds
    chosen = None
    if request.floating_ip is not None:
        chosen = floating_ips.find_floating_ip(clouds, scope, request.floating_ip)

    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        removed = floating_ips.remove_floating_ips(clouds, scope, server_id, chosen)
        return Accepted(
            None,
            fields={
                "removed": [
                    RemovedFloatingIp(floating_ip=record.address, floating_ip_id=record.id, released=released)
                    for record, released in removed
                ]
            },
        )

    entries = _act_all(services, scope, request.ids, perform)
    return _finish(clouds, scope, entries, None, RemoveIpResult)


# --- per-instance steps ---------------------------------------------------


def _nova(action: Callable[[Clouds, Scope, str], None], end_status: str | None) -> Perform:
    def perform(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
        action(clouds, scope, server_id)
        return Accepted(Target.status(end_status) if end_status else None)

    return perform


def _resume(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
    state = servers.get_state(clouds, scope, server_id)
    if state.status == "SUSPENDED":
        server_actions.resume(clouds, scope, server_id)
    elif state.status == "PAUSED":
        server_actions.unpause(clouds, scope, server_id)
    else:
        raise Conflict(
            f"instance {server_id} is {state.status}; resume applies to a SUSPENDED"
            " or PAUSED instance",
            cloud=scope.cloud,
            region=scope.region,
        )
    return Accepted(Target.status("ACTIVE"))


def _terminate(clouds: Clouds, scope: Scope, server_id: str) -> Accepted:
    # Listed first, because the instance's ports go away with it.
    allocated = floating_ips.allocated_floating_ips(clouds, scope, server_id)
    server_actions.delete(clouds, scope, server_id)
    if not allocated:
        return Accepted(Target(gone=True))

    # NOTE: the floating IPs are released once Nova accepts the delete, so
    # an instance whose deletion later fails has lost them.
    try:
        floating_ips.release_floating_ips(clouds, scope, allocated)
    except PerspectiveError as exc:
        logger.error(
            "%s: instance %s deleted, but releasing its floating IPs %s failed: %s",
            servers.where(scope),
            server_id,
            ", ".join(record.address for record in allocated),
            exc.detail,
        )
        return Accepted(
            Target(gone=True),
            detail=f"deleting; releasing its floating IPs failed, so they remain: {exc.detail}",
        )
    return Accepted(Target(gone=True))


# --- the common steps -----------------------------------------------------


def _simple(
    services: Services,
    project_id: str,
    region: str,
    ids: Sequence[str],
    waiting: Waiting | None,
    perform: Perform,
    result_type: type[ResultT] = ActionResult,
) -> list[ResultT]:
    scope = region_scope(services, project_id, region)
    entries = _act_all(services, scope, ids, perform)
    return _finish(services.clouds, scope, entries, waiting, result_type)


def _act_all(services: Services, scope: Scope, ids: Sequence[str], perform: Perform) -> list[_Entry]:
    # Ids are compared as UUIDs, so one id in two spellings is acted on once.
    distinct = unique(canonical_id(raw) or raw for raw in ids)
    clouds = services.clouds

    def act(server_id: str) -> _Entry:
        if canonical_id(server_id) is None:
            raise servers.not_found(scope, server_id)
        return _Entry(server_id, accepted=perform(clouds, scope, server_id))

    # The inventory lists the project's instances only, so an id it contains
    # needs no GET to prove whose it is: one Nova call per id instead of two.
    index = services.instance_index
    known = index.instance_ids(scope) if index is not None else frozenset()
    vouched = frozenset(server_id for server_id in distinct if server_id in known)
    logger.debug("%s: %d of %d ids known from the inventory", servers.where(scope), len(vouched), len(distinct))
    with servers.vouched_for(vouched):
        return run_per_id(distinct, act, lambda server_id, error: _Entry(server_id, error=error))


def _wait_all(clouds: Clouds, scope: Scope, entries: list[_Entry], waiting: Waiting) -> None:
    targets = {
        entry.id: entry.accepted.target
        for entry in entries
        if entry.accepted is not None and entry.accepted.target is not None
    }
    if not targets:
        return
    outcomes = wait_for(clouds, scope, targets, waiting.deadline, waiting.timeout)
    for entry in entries:
        if entry.id in outcomes:
            entry.outcome = outcomes[entry.id]


def _finish(
    clouds: Clouds,
    scope: Scope,
    entries: list[_Entry],
    waiting: Waiting | None,
    result_type: type[ResultT],
) -> list[ResultT]:
    if waiting is not None and waiting.wait:
        _wait_all(clouds, scope, [entry for entry in entries if entry.outcome is None], waiting)
    return [_result(entry, result_type) for entry in entries]


def _result(entry: _Entry, result_type: type[ResultT]) -> ResultT:
    if entry.error is not None:
        return result_type(id=entry.id, status=entry.error.status, detail=entry.error.detail)

    accepted = entry.accepted
    assert accepted is not None
    outcome = entry.outcome
    if accepted.target is None:
        status, detail, instance_status = DONE, accepted.detail, None
    elif outcome is None:
        status, detail, instance_status = ACCEPTED, accepted.detail, None
    else:
        status = {"done": DONE, "failed": FAILED, "pending": ACCEPTED}[outcome.state]
        detail = outcome.detail or accepted.detail
        instance_status = outcome.instance_status
    return result_type(
        id=entry.id, status=status, detail=detail, instance_status=instance_status, **accepted.fields
    )
