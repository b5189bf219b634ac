"""A bounded hand-over of a request body from the event loop to a worker thread."""

from __future__ import annotations

import asyncio
import threading
from collections import deque

__all__ = ["BodyPipe", "BodyPipeTimeout"]

DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024


class BodyPipeTimeout(Exception):
    """No data arrived in the pipe within the reader's timeout."""


class BodyPipe:
    """Bytes that a coroutine writes and one thread reads as a file.

    The writer, on the event loop, waits in `write` while `max_buffered`
    bytes are waiting to be read, so the process keeps at most that much of
    a body (or one chunk, when a chunk is larger) however fast the client
    sends. The reader, a worker thread that hands the pipe to openstacksdk
    as image data, blocks in `read` until data, the end or an error comes.

    Either side can stop early: the writer calls `abort` with the error the
    reader should raise, and the reader calls `close`, after which `write`
    returns False at once.
    """

    def __init__(self, max_buffered: int = DEFAULT_MAX_BUFFERED, read_timeout: float | None = None) -> None:
        self._max_buffered = max_buffered
        self._read_timeout = read_timeout
        self._chunks: deque[memoryview] = deque()
        self._buffered = 0
        self._finished = False
        self._closed = False
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._readable = threading.Condition(self._lock)
        self._room = asyncio.Event()
        self._writer_waiting = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self.bytes_written = 0
        self.bytes_read = 0

    async def write(self, chunk: bytes) -> bool:
        """Queue a chunk, waiting for room; return False when the reader has closed the pipe."""
        self._loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                if self._closed:
                    return False
                if self._buffered == 0 or self._buffered + len(chunk) <= self._max_buffered:
                    if chunk:
                        self._chunks.append(memoryview(chunk))
                        self._buffered += len(chunk)
                        self.bytes_written += len(chunk)
                        self._readable.notify()
                    return True
                # Cleared under the lock, so a `read` that makes room after
                # this point sets the event again.
                self._room.clear()
                self._writer_waiting = True
            await self._room.wait()

    def finish(self) -> None:
        """Mark the end of the body: `read` returns b"" once the queued bytes are read."""
        with self._lock:
            self._finished = True
            self._readable.notify_all()

    def abort(self, error: BaseException) -> None:
        """Stop the body early: the reader's next `read` raises `error`."""
        with self._lock:
            if self._error is None:
                self._error = error
            self._chunks.clear()
            self._buffered = 0
            self._readable.notify_all()

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` bytes, b"" at the end of the body.

        Unlike a file, `read()` without a size returns the next queued chunk,
        not the rest of the body, so that memory stays bounded. Raises the
        error given to `abort`, or BodyPipeTimeout when no data comes for
        `read_timeout` seconds.
        """
        with self._lock:
            while not self._chunks and self._error is None and not self._finished:
                if not self._readable.wait(self._read_timeout):
                    raise BodyPipeTimeout(
                        f"the client sent no image data for {self._read_timeout:g} s"
                    )
            if self._error is not None:
                raise self._error
            if not self._chunks:
                return b""

            head = self._chunks[0]
            if size is None or size < 0 or size >= len(head):
                self._chunks.popleft()
                data = head
            else:
                data = head[:size]
                self._chunks[0] = head[size:]
            self._buffered -= len(data)
            self.bytes_read += len(data)
            wake = self._writer_waiting
            self._writer_waiting = False
        if wake:
            self._wake_writer()
        return bytes(data)

    def close(self) -> None:
        """Stop reading: `write` returns False from now on, and the queued bytes are dropped."""
        with self._lock:
            self._closed = True
            self._chunks.clear()
            self._buffered = 0
            self._writer_waiting = False
        self._wake_writer()

    def _wake_writer(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._room.set)
