"""Bearer-token authentication of Perspective's callers.

Today a caller proves itself with one of the configured API tokens and then
acts through the clouds.yaml users. `Caller` is the seam for per-user
Keystone login: a later authenticator can return a Caller that carries the
user's own Keystone scope, and services can pick connections from it.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from perspective.errors import Unauthenticated

__all__ = ["Caller", "authenticate", "bearer_scheme"]

logger = logging.getLogger(__name__)

# auto_error=False so that a missing header becomes our own 401 problem
# instead of FastAPI's 403.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="One of the API tokens in Perspective's settings or PERSPECTIVE_API_TOKENS.",
)


@dataclass(frozen=True)
class Caller:
    """The authenticated sender of a request."""

    method: str
    """Authentication method: `api-token` for now."""

    token_number: int
    """1-based position of the matching token in the settings, for logs."""


async def authenticate(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
) -> Caller:
    """Return the Caller of a request with a valid API token; raise 401 otherwise.

    It is a coroutine because it does no I/O, so FastAPI calls it on the
    event loop instead of sending it to its thread pool.
    """
    if credentials is None:
        raise Unauthenticated(
            "missing bearer token: send 'Authorization: Bearer <token>'",
            challenge='Bearer realm="perspective"',
        )

    presented = credentials.credentials.encode()
    tokens = request.app.state.services.settings.api_tokens
    match = 0
    # Compare against every token so the time taken does not reveal which
    # one matched or how many there are before it.
    for number, token in enumerate(tokens, start=1):
        if hmac.compare_digest(presented, token.get_secret_value().encode()) and not match:
            match = number

    if not match:
        logger.warning("rejected an invalid bearer token from %s", _client(request))
        raise Unauthenticated(
            "invalid bearer token: send one of the tokens in the server's api_tokens setting"
            " or PERSPECTIVE_API_TOKENS",
            challenge='Bearer realm="perspective", error="invalid_token"',
        )
    return Caller(method="api-token", token_number=match)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown client"
