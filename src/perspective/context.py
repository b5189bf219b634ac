"""Values that follow one API request through threads and log lines."""

from __future__ import annotations

import contextvars
import re
import uuid

__all__ = ["REQUEST_ID_PATTERN", "new_request_id", "request_id"]

# OpenStack services accept a global request id only in this form
# (oslo.context rejects others), so Perspective uses it for its own too.
REQUEST_ID_PATTERN = re.compile(
    r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "perspective_request_id", default=None
)
"""The id of the API request being served, or None outside of one."""


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"
