"""Waiting, with a deadline, for instances to reach the end state of an action.

Nova accepts most actions at once and carries them out afterwards. The
compute API sets the instance's task state before it responds (for example
`rebooting`), so an instance has reached the end state of an action when
its status is the expected one and its task state is empty again. An
instance in ERROR with no task state has failed. Any other state counts as
still in progress until the deadline.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

from perspective.errors import NotFound, PerspectiveError
from perspective.openstack import Clouds, Scope, server_actions, servers
from perspective.services.bulk import run_per_id

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_TIMEOUT",
    "FIRST_POLL_INTERVAL",
    "MAX_POLL_INTERVAL",
    "Target",
    "WaitOutcome",
    "wait_for",
]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60
"""Seconds a `?wait=true` request waits when it names no timeout."""

MAX_TIMEOUT = 300
"""Maximum seconds a `?wait=true` request may wait."""

# Seconds between two looks at the instances still in progress. The
# interval doubles after each look up to the maximum, so that a quick action
# returns quickly and a slow one costs few requests.
FIRST_POLL_INTERVAL = 0.25
MAX_POLL_INTERVAL = 2.0


@dataclass(frozen=True)
class Target:
    """The end state of an action on one instance."""

    statuses: frozenset[str] = frozenset()
    """Nova statuses that end the wait, once the task state is empty."""

    gone: bool = False
    """True when the instance must disappear (terminate)."""

    image_id: str | None = None
    """A snapshot's Glance image, which must become active."""

    @classmethod
    def status(cls, *statuses: str) -> Target:
        return cls(statuses=frozenset(statuses))

    def describe(self) -> str:
        if self.gone:
            return "deleted"
        if self.image_id:
            return f"image {self.image_id} active"
        return " or ".join(sorted(self.statuses))


@dataclass(frozen=True)
class WaitOutcome:
    """The state of one instance when the wait ends."""

    state: Literal["done", "failed", "pending"]
    instance_status: str | None
    detail: str | None = None


def wait_for(
    clouds: Clouds,
    scope: Scope,
    targets: dict[str, Target],
    deadline: float,
    timeout: float,
) -> dict[str, WaitOutcome]:
    """Poll every instance of `targets` until each is done, failed or `deadline` passes.

    `deadline` is a time.monotonic() value; `timeout` is only quoted in the
    detail of the instances still in progress.
    """
    outcomes: dict[str, WaitOutcome] = {}
    last_seen: dict[str, WaitOutcome] = {}
    pending = dict(targets)
    interval = FIRST_POLL_INTERVAL

    while pending:
        ids = list(pending)
        checked = run_per_id(
            ids,
            lambda server_id: _check(clouds, scope, server_id, pending[server_id]),
            lambda server_id, error: _unreadable(scope, server_id, error),
        )
        for server_id, outcome in zip(ids, checked):
            if outcome.state == "pending":
                last_seen[server_id] = outcome
            else:
                outcomes[server_id] = outcome
                del pending[server_id]

        remaining = deadline - time.monotonic()
        if not pending or remaining <= 0:
            break
        time.sleep(min(interval, remaining))
        interval = min(interval * 2, MAX_POLL_INTERVAL)

    for server_id, target in pending.items():
        seen = last_seen.get(server_id)
        where_now = seen.detail if seen and seen.detail else "still in progress"
        outcomes[server_id] = WaitOutcome(
            "pending",
            seen.instance_status if seen else None,
            f"not {target.describe()} after {timeout:g} s: {where_now}",
        )
        logger.info(
            "%s: instance %s not %s within %g s", servers.where(scope), server_id, target.describe(), timeout
        )
    return outcomes


def _check(clouds: Clouds, scope: Scope, server_id: str, target: Target) -> WaitOutcome:
    if target.image_id:
        return _check_image(clouds, scope, target.image_id)

    try:
        state = servers.get_state(clouds, scope, server_id)
    except NotFound:
        if target.gone:
            return WaitOutcome("done", "DELETED")
        return WaitOutcome("failed", None, f"instance {server_id} disappeared while in progress")

    if state.task_state is None and state.status == "ERROR":
        fault = state.fault or "Nova recorded no fault"
        return WaitOutcome("failed", state.status, f"instance {server_id} went to ERROR: {fault}")
    if state.task_state is None and state.status in target.statuses:
        return WaitOutcome("done", state.status)

    task = f", task state {state.task_state}" if state.task_state else ""
    return WaitOutcome("pending", state.status, f"instance is {state.status}{task}")


def _check_image(clouds: Clouds, scope: Scope, image_id: str) -> WaitOutcome:
    status = server_actions.image_status(clouds, scope, image_id)
    if status == "active":
        return WaitOutcome("done", None)
    if status in (None, "killed", "deleted", "pending_delete"):
        return WaitOutcome("failed", None, f"snapshot image {image_id} is {status or 'gone'}")
    return WaitOutcome("pending", None, f"snapshot image {image_id} is {status}")


def _unreadable(scope: Scope, server_id: str, error: PerspectiveError) -> WaitOutcome:
    # A failed look is not a failed action: keep waiting, and quote the
    # error if the deadline passes first.
    logger.warning("%s: could not read instance %s while waiting: %s", servers.where(scope), server_id, error.detail)
    return WaitOutcome("pending", None, f"could not be read: {error.detail}")
