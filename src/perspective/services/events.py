"""The change feed: inventory events in order, for `GET /events` to stream.

Each event gets an id that orders it in its feed. A client that
reconnects with the last id it received gets the events after it, as
long as the feed still keeps them (the last `event_buffer` events).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from perspective.models.events import InventoryEvent

__all__ = ["ChangeFeed", "FeedEntry", "MemoryFeed", "RedisFeed"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedEntry:
    """One event as stored: its id, SSE event name, project and JSON body."""

    id: str
    name: str
    project_id: str
    data: str


class ChangeFeed(Protocol):
    def publish(self, events: list[InventoryEvent]) -> None:
        """Append events to the feed, in order."""
        ...

    def last_id(self) -> str | None:
        """Return the id of the newest event, or None when the feed is empty."""
        ...

    def read_after(self, cursor: str | None, limit: int) -> list[FeedEntry]:
        """Return up to `limit` events after `cursor`, oldest first.

        Without a cursor, or with one older than every kept event, reading
        starts at the oldest event kept.
        """
        ...


def _entry(event_id: str, event: InventoryEvent) -> FeedEntry:
    return FeedEntry(
        id=event_id, name=f"{event.type}.{event.action}", project_id=event.project_id, data=event.model_dump_json()
    )


class MemoryFeed:
    """A ChangeFeed in this process's memory, with integer ids."""

    def __init__(self, size: int) -> None:
        self._entries: deque[tuple[int, FeedEntry]] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def publish(self, events: list[InventoryEvent]) -> None:
        with self._lock:
            for event in events:
                number = next(self._ids)
                self._entries.append((number, _entry(str(number), event)))

    def last_id(self) -> str | None:
        with self._lock:
            return self._entries[-1][1].id if self._entries else None

    def read_after(self, cursor: str | None, limit: int) -> list[FeedEntry]:
        after = _int(cursor)
        with self._lock:
            entries = list(self._entries)
        return [entry for number, entry in entries if number > after][:limit]


class RedisFeed:
    """A ChangeFeed in a Redis stream, with the stream's entry ids."""

    def __init__(self, client: Any, prefix: str, size: int) -> None:
        self._client = client
        self._key = f"{prefix}:events"
        self._size = size

    def publish(self, events: list[InventoryEvent]) -> None:
        if not events:
            return
        pipe = self._client.pipeline(transaction=False)
        for event in events:
            pipe.xadd(
                self._key,
                {"name": f"{event.type}.{event.action}", "project": event.project_id, "data": event.model_dump_json()},
                maxlen=self._size,
                approximate=True,
            )
        pipe.execute()

    def last_id(self) -> str | None:
        newest = self._client.xrevrange(self._key, count=1)
        return newest[0][0].decode() if newest else None

    def read_after(self, cursor: str | None, limit: int) -> list[FeedEntry]:
        start = f"({cursor}" if cursor and _is_stream_id(cursor) else "-"
        entries = self._client.xrange(self._key, min=start, count=limit)
        return [
            FeedEntry(
                id=entry_id.decode(),
                name=fields[b"name"].decode(),
                project_id=fields[b"project"].decode(),
                data=fields[b"data"].decode(),
            )
            for entry_id, fields in entries
        ]


def _int(cursor: str | None) -> int:
    try:
        return int(cursor) if cursor else 0
    except ValueError:
        return 0


def _is_stream_id(cursor: str) -> bool:
    milliseconds, _, sequence = cursor.partition("-")
    return milliseconds.isdigit() and sequence.isdigit()
