"""`GET /events`: the inventory's changes as server-sent events."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from perspective.errors import Conflict
from perspective.problems import PROBLEM_RESPONSES, problem_doc
from perspective.routers.dependencies import ServicesDep
from perspective.routers.freshness import inventory_of
from perspective.services.events import ChangeFeed

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["events"], responses=PROBLEM_RESPONSES)

# How often a stream looks for new events, and the most it sends at once.
POLL_SECONDS = 0.5
BATCH = 500
# Clients wait this long before they reconnect after the stream ends.
RETRY_MILLISECONDS = 3000


@router.get(
    "/events",
    response_class=StreamingResponse,
    summary="Stream instance and image changes as server-sent events",
    description=(
        "A `text/event-stream` that never ends on its own. Each change the inventory's"
        " syncs see is one event: `event` is `instance.created`, `instance.updated`,"
        " `instance.deleted`, `image.created`, `image.updated` or `image.deleted`; `data`"
        " is a JSON object with `type`, `action`, `id`, `name`, `status`, `cloud`,"
        " `region`, `project_id` and `time`; `id` orders the events. Changes appear as"
        " soon as a sync sees them, so up to one sync interval late; image deletions"
        " appear only after a full resync. A comment line (`: heartbeat`) is sent when"
        " nothing else was sent for a while. A client that reconnects with"
        " `Last-Event-ID` gets the events after that one, among the last ones kept."
    ),
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The event stream."},
        409: problem_doc("The inventory is disabled in the settings, so there are no events"),
    },
)
async def stream_events(
    request: Request,
    services: ServicesDep,
    project: Annotated[
        str | None, Query(description="Send only the events of this Keystone project id.")
    ] = None,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", description="Resume after this event id.")
    ] = None,
) -> StreamingResponse:
    inventory = inventory_of(request)
    if inventory is None:
        raise Conflict("the inventory is disabled in the settings (inventory.enabled), so there are no events")
    if project is not None:
        # An unknown project is a 404 now, rather than a stream that stays silent.
        await run_in_threadpool(services.projects.get, project)

    feed = inventory.feed
    cursor = last_event_id or await run_in_threadpool(feed.last_id)
    heartbeat = inventory.settings.heartbeat_interval
    return StreamingResponse(
        _events(request, feed, cursor, project, heartbeat),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request, feed: ChangeFeed, cursor: str | None, project: str | None, heartbeat: float
) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
    last_sent = time.monotonic()
    while not await request.is_disconnected():
        entries = await run_in_threadpool(feed.read_after, cursor, BATCH)
        for entry in entries:
            cursor = entry.id
            if project is not None and entry.project_id != project:
                continue
            yield f"id: {entry.id}\nevent: {entry.name}\ndata: {entry.data}\n\n"
            last_sent = time.monotonic()
        if time.monotonic() - last_sent >= heartbeat:
            yield ": heartbeat\n\n"
            last_sent = time.monotonic()
        if len(entries) < BATCH:
            await asyncio.sleep(POLL_SECONDS)
