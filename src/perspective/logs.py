"""Logging set-up: request ids on every line, secrets masked, no tracebacks.

Every handler that `configure_logging` installs masks the API tokens and
clouds.yaml passwords registered with `register_secret`, OpenStack token
headers and private keys, and shortens an exception to one line (its type,
message and innermost location) instead of a traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import traceback
from typing import Any, TextIO

from perspective import context

__all__ = ["configure_logging", "redact", "register_secret"]

MASK = "***"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()

# Shorter values are too likely to occur in ordinary text to be masked.
MIN_SECRET_LENGTH = 6

_PATTERNS = [
    # Token headers as keystoneauth1 and openstacksdk print them in debug logs.
    re.compile(r"(?i)(x-(?:auth|subject)-token[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?bearer\s+)[^\s\"',}]+"),
    re.compile(r"(?i)(\"?(?:password|secret|private_key)\"?\s*[:=]\s*\"?)[^\s\",}]+"),
    re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
        re.DOTALL,
    ),
]


def register_secret(value: str | None) -> None:
    """Mask `value` wherever it appears in a log line from now on."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Return `text` with every registered secret and known secret pattern masked."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda match: match.group(1) + MASK, text)
        else:
            text = pattern.sub(MASK, text)
    return text


class _SafeFormatting:
    """Formatter behaviour shared by the text and JSON formats."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        exc_type, exc, tb = ei
        where = ""
        frames = traceback.extract_tb(tb)
        if frames:
            last = frames[-1]
            where = f" (at {last.filename.rsplit('/site-packages/', 1)[-1]}:{last.lineno})"
        return f"{exc_type.__name__}: {exc}{where}"

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return ""


class TextFormatter(_SafeFormatting, logging.Formatter):
    """`time level logger [request id] message`, one line per record."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return redact(text.replace("\n", " | "))


class JsonFormatter(_SafeFormatting, logging.Formatter):
    """One JSON object per line, with the access-log fields as keys."""

    FIELDS = ("method", "path", "status", "duration_ms", "cloud", "region", "project")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str))


class RequestIdFilter(logging.Filter):
    """Add `request_id`: the id of the API request being served, or `-`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get() or "-"
        return True


def configure_logging(level: str = "info", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send every logger's records to `stream` (stderr) in the chosen format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())

    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
