"""Parallel calls to several clouds or regions, each allowed to fail alone."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from perspective.errors import CloudTimeout, PerspectiveError
from perspective.models.common import RegionError
from perspective.openstack import Scope

__all__ = ["FanOut", "Outcome", "gather_items"]

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")
ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class Outcome(Generic[ResultT]):
    """The result of one scope's call: either `value` or `error` is set."""

    scope: Scope
    value: ResultT | None = None
    error: PerspectiveError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def region_error(self) -> RegionError:
        """Return the failure as an entry for a list's `errors`."""
        assert self.error is not None
        return RegionError(
            cloud=self.scope.cloud,
            region=self.scope.region,
            status=self.error.status,
            reason=self.error.detail,
        )


class FanOut:
    """Run one call per scope in threads, at most `max_workers` at a time.

    openstacksdk is synchronous, so each call takes a thread. A scope that
    has not responded after `timeout` seconds is reported as a CloudTimeout.
    Its thread keeps running in the background until the OpenStack
    connection's own per-request timeout ends it.
    """

    def __init__(self, max_workers: int, timeout: float) -> None:
        self.max_workers = max_workers
        self.timeout = timeout

    def run(
        self, call: Callable[[Scope], ResultT], scopes: Iterable[Scope]
    ) -> list[Outcome[ResultT]]:
        """Call `call(scope)` for every scope and return the outcomes in scope order."""
        scopes = list(scopes)
        if not scopes:
            return []

        executor = ThreadPoolExecutor(
            max_workers=min(self.max_workers, len(scopes)),
            thread_name_prefix="perspective-fanout",
        )
        try:
            # Each call runs in a copy of the caller's context, so its log
            # lines and OpenStack requests carry the API request's id.
            futures = [
                executor.submit(contextvars.copy_context().run, call, scope) for scope in scopes
            ]
            wait(futures, timeout=self.timeout)
            return [self._outcome(scope, future) for scope, future in zip(scopes, futures)]
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    def _outcome(self, scope: Scope, future: Future) -> Outcome:
        if not future.done():
            where = f"cloud {scope.cloud}" + (f" region {scope.region}" if scope.region else "")
            logger.warning("%s did not respond within %g s", where, self.timeout)
            return Outcome(
                scope,
                error=CloudTimeout(
                    f"{where} timed out: no response within {self.timeout:g} s",
                    cloud=scope.cloud,
                    region=scope.region,
                ),
            )

        exc = future.exception()
        if exc is None:
            return Outcome(scope, value=future.result())
        if isinstance(exc, PerspectiveError):
            return Outcome(scope, error=exc)

        logger.error(
            "unexpected error in cloud %s region %s",
            scope.cloud,
            scope.region,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        return Outcome(
            scope,
            error=PerspectiveError(
                f"internal error while asking cloud {scope.cloud} region {scope.region};"
                " the server log has the details",
                cloud=scope.cloud,
                region=scope.region,
            ),
        )


def gather_items(
    outcomes: Sequence[Outcome[list[ItemT]]],
) -> tuple[list[ItemT], list[RegionError]]:
    """Flatten the lists of the scopes that responded and list the ones that failed."""
    items: list[ItemT] = []
    errors: list[RegionError] = []
    for outcome in outcomes:
        if outcome.ok:
            items.extend(outcome.value or [])
        else:
            errors.append(outcome.region_error())
    return items, errors
