"""The pipe that streams an upload's body to the worker thread, and its HTTP framing."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import requests

from perspective.errors import ContentTooLarge
from perspective.openstack.images import _SizedBody
from perspective.services.body_pipe import BodyPipe, BodyPipeTimeout


def read_all(pipe: BodyPipe, block: int = 7) -> bytes:
    parts = []
    while data := pipe.read(block):
        parts.append(data)
    return b"".join(parts)


def test_reader_gets_every_byte_in_order():
    async def run() -> bytes:
        pipe = BodyPipe(max_buffered=10)
        reader = asyncio.get_running_loop().run_in_executor(None, read_all, pipe)
        for index in range(50):
            assert await pipe.write(bytes([index]) * 3)
        pipe.finish()
        return await reader

    data = asyncio.run(run())
    assert data == b"".join(bytes([index]) * 3 for index in range(50))


def test_writer_waits_while_buffer_full():
    async def run() -> tuple[bool, int]:
        pipe = BodyPipe(max_buffered=8)
        assert await pipe.write(b"12345678")
        blocked = asyncio.ensure_future(pipe.write(b"9"))
        await asyncio.sleep(0.05)
        was_blocked = not blocked.done()
        await asyncio.get_running_loop().run_in_executor(None, pipe.read, 4)
        await asyncio.wait_for(blocked, 1)
        return was_blocked, pipe.bytes_written

    was_blocked, written = asyncio.run(run())
    assert was_blocked
    assert written == 9


def test_chunk_larger_than_buffer_accepted_when_empty():
    async def run() -> bool:
        pipe = BodyPipe(max_buffered=4)
        return await asyncio.wait_for(pipe.write(b"0123456789"), 1)

    assert asyncio.run(run())


def test_close_releases_waiting_writer():
    async def run() -> bool:
        pipe = BodyPipe(max_buffered=2)
        await pipe.write(b"ab")
        blocked = asyncio.ensure_future(pipe.write(b"cd"))
        await asyncio.sleep(0.05)
        await asyncio.get_running_loop().run_in_executor(None, pipe.close)
        return await asyncio.wait_for(blocked, 1)

    assert asyncio.run(run()) is False


def test_abort_raises_in_reader():
    pipe = BodyPipe()
    error = ContentTooLarge("too big")
    raised: list[BaseException] = []

    def reader() -> None:
        try:
            pipe.read(10)
        except ContentTooLarge as exc:
            raised.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(0.05)
    pipe.abort(error)
    thread.join(1)
    assert raised == [error]


def test_read_after_finish_returns_empty():
    async def run() -> tuple[bytes, bytes]:
        pipe = BodyPipe()
        await pipe.write(b"abc")
        pipe.finish()
        return pipe.read(), pipe.read()

    assert asyncio.run(run()) == (b"abc", b"")


def test_read_times_out_without_data():
    pipe = BodyPipe(read_timeout=0.05)
    with pytest.raises(BodyPipeTimeout, match="no image data for 0.05 s"):
        pipe.read(1)


def framing(body: object) -> dict[str, str]:
    """Return how requests frames a body: its Content-Length, and whether HTTPAdapter.send chunks it."""
    prepared = requests.Request("PUT", "http://127.0.0.1:1/v2/images/x/file", data=body).prepare()
    # The rule of requests' HTTPAdapter.send (requests 2.x).
    chunked = not (prepared.body is None or "Content-Length" in prepared.headers)
    return {"Content-Length": prepared.headers.get("Content-Length"), "chunked": str(chunked)}


def test_sized_body_sent_with_content_length():
    assert framing(_SizedBody(BodyPipe(), 157_286_400)) == {"Content-Length": "157286400", "chunked": "False"}


def test_unsized_pipe_sent_chunked():
    assert framing(BodyPipe()) == {"Content-Length": None, "chunked": "True"}
