"""A TCP proxy on 127.0.0.1 that adds latency or fails on purpose.

Fault tests and benchmarks put it in front of one region's OpenStack
endpoint to make that region slow, silent or unreachable while the others
stay healthy. It runs an asyncio loop in a daemon thread, so a test drives
it with plain method calls.
"""

from __future__ import annotations

import asyncio
import enum
import threading


class Mode(enum.Enum):
    FORWARD = "forward"
    """Relay both ways, after the configured delay on each request."""
    BLACKHOLE = "blackhole"
    """Accept connections and read requests, but never respond."""
    RESET = "reset"
    """Accept connections, then close them at once without a response."""


class TcpProxy:
    """Relay 127.0.0.1:``port`` to ``target_host``:``target_port``.

    ``delay`` (seconds) is added before the first bytes of every client
    connection are forwarded. The micro-cloud's services close each
    connection after one response, so this is a delay per HTTP request.
    """

    def __init__(self, target_host: str, target_port: int, delay: float = 0.0,
                 mode: Mode = Mode.FORWARD) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.delay = delay
        self.mode = mode
        self.port: int | None = None
        self.connections = 0
        self.request_lines: list[str] = []
        """The first line of every request received, e.g. `GET /v2.1 HTTP/1.1`."""
        self.reset_next = 0
        """Connections still to reset at once, whatever the mode, before the
        mode applies again: a short outage."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="tcp-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    def start(self) -> "TcpProxy":
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(timeout=5)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1",
                                                  0)
        return self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()

    async def _handle(self, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        first = await reader.read(65536)
        if not first:
            return
        self.request_lines.append(first.split(b"\r\n", 1)[0].decode("latin-1"))

        if self.reset_next > 0:
            self.reset_next -= 1
            return
        if self.mode is Mode.RESET:
            return
        if self.mode is Mode.BLACKHOLE:
            while await reader.read(65536):
                pass
            return

        if self.delay:
            await asyncio.sleep(self.delay)
        upstream_reader, upstream_writer = await asyncio.open_connection(
            self.target_host, self.target_port)
        upstream_writer.write(first)
        try:
            await asyncio.gather(self._pipe(reader, upstream_writer),
                                 self._pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()

    @staticmethod
    async def _pipe(source: asyncio.StreamReader,
                    sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
        if sink.can_write_eof():
            sink.write_eof()
