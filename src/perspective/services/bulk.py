"""Bulk actions: one call per distinct id, in parallel, each allowed to fail alone."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from perspective.errors import PerspectiveError
from perspective.models.bulk import BulkResult

__all__ = [
    "MAX_CONCURRENCY",
    "MULTI_STATUS",
    "response_status",
    "run_per_id",
    "set_concurrency",
    "unique",
]

logger = logging.getLogger(__name__)

MAX_CONCURRENCY = 8
"""Per-id calls one bulk request runs at once, until `set_concurrency` changes it."""

_concurrency = MAX_CONCURRENCY


def set_concurrency(limit: int) -> None:
    """Set how many per-id calls one bulk request runs at once, process-wide.

    The app sets it from its settings at start-up; it bounds the load one
    request puts on a cloud's API.
    """
    global _concurrency
    _concurrency = limit
"""Most calls one bulk request has in flight, so that it cannot flood an OpenStack API."""

MULTI_STATUS = 207

ResultT = TypeVar("ResultT")


def unique(ids: Iterable[str]) -> list[str]:
    """Return the ids without repeats, in the order they were first given."""
    return list(dict.fromkeys(ids))


def run_per_id(
    ids: Sequence[str],
    call: Callable[[str], ResultT],
    failed: Callable[[str, PerspectiveError], ResultT],
    max_workers: int | None = None,
) -> list[ResultT]:
    """Return `call(id)` for every id, in the order of `ids`.

    An id whose call raises gets `failed(id, error)` instead. An unexpected
    exception is logged with its traceback and reported as a 500 whose
    detail points to the server log.
    """
    if not ids:
        return []
    max_workers = max_workers or _concurrency

    def guarded(item_id: str) -> ResultT:
        try:
            return call(item_id)
        except PerspectiveError as exc:
            return failed(item_id, exc)
        except Exception as exc:
            logger.error("unexpected error acting on %s", item_id, exc_info=exc)
            return failed(
                item_id,
                PerspectiveError(f"internal error while acting on {item_id}; the server log has the details"),
            )

    with ThreadPoolExecutor(
        max_workers=min(max_workers, len(ids)), thread_name_prefix="perspective-bulk"
    ) as executor:
        # Each call runs in a copy of the request's context, so values such
        # as the request id follow it into the worker thread.
        futures = [
            executor.submit(contextvars.copy_context().run, guarded, item_id) for item_id in ids
        ]
        return [future.result() for future in futures]


def response_status(results: Sequence[BulkResult]) -> int:
    """Return the HTTP status every result shares, or 207 when they differ."""
    statuses = {result.status for result in results}
    if len(statuses) == 1:
        return statuses.pop()
    return MULTI_STATUS
