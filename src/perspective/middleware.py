"""ASGI middleware: request ids, access logs and request metrics."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from perspective import context, metrics

__all__ = ["RequestContextMiddleware"]

access_logger = logging.getLogger("perspective.access")

HEADER = b"x-request-id"


class RequestContextMiddleware:
    """Give each request an id, and log and count it once the response is sent.

    A client's `X-Request-Id` is kept when it has OpenStack's form
    (`req-` and a UUID), so one id can follow a call from the client through
    Perspective into the clouds; any other value is replaced by a new id.
    The id is sent back in `X-Request-Id`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _incoming_id(scope) or context.new_request_id()
        token = context.request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (HEADER, request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            context.request_id.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        metrics.api_requests.labels(method, template, str(status)).inc()
        metrics.api_request_seconds.labels(method, template).observe(elapsed)
        access_logger.info(
            "%s %s %d %.1f ms",
            method,
            scope["path"],
            status,
            elapsed * 1000,
            extra={
                "method": method,
                "path": scope["path"],
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
            },
        )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == HEADER:
            candidate = value.decode("latin-1").strip()
            if context.REQUEST_ID_PATTERN.match(candidate):
                return candidate
            return None
    return None
