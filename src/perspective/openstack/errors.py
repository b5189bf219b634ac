"""Translation of openstacksdk and keystoneauth1 exceptions into ours.

Every call into the SDK runs inside `openstack_errors(cloud, region)`, so the
layers above only ever see `perspective.errors` types, each carrying the HTTP
status OpenStack meant and naming the cloud and region that failed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from keystoneauth1 import exceptions as ksa_exceptions
from openstack import exceptions as sdk_exceptions

from perspective.errors import (
    CloudCredentialsRejected,
    CloudError,
    CloudTimeout,
    CloudUnreachable,
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    PerspectiveError,
)

__all__ = ["openstack_errors", "translate_exception"]

logger = logging.getLogger(__name__)

# OpenStack error bodies can be whole HTML pages; the first lines are enough.
MAX_DETAIL_LENGTH = 300

_CONNECTION_URL = re.compile(r"connection to (\S+?):?\s")
_OS_REASON = re.compile(r"\[Errno -?\d+\] ([^'\"()]+)")


@contextmanager
def openstack_errors(cloud: str, region: str | None) -> Iterator[None]:
    """Raise SDK and keystoneauth1 exceptions as PerspectiveError subclasses."""
    try:
        yield
    except PerspectiveError:
        raise
    except (sdk_exceptions.SDKException, ksa_exceptions.ClientException) as exc:
        raise translate_exception(exc, cloud=cloud, region=region) from exc


def translate_exception(
    exc: Exception, *, cloud: str, region: str | None
) -> PerspectiveError:
    """Return the PerspectiveError that matches an SDK or keystoneauth1 exception."""
    where = _where(cloud, region)
    status = _http_status(exc)

    if status is not None:
        reason = _http_reason(exc)
        if status == 401:
            error: PerspectiveError = CloudCredentialsRejected(
                f"{where}: OpenStack rejected the configured credentials"
                f" (HTTP 401): {reason}. Check the user and password of"
                f" clouds.yaml entry {cloud!r}.",
                cloud=cloud,
                region=region,
            )
        elif status == 403:
            # A policy refusal: the credentials work, but the user's roles
            # do not allow this action, so the caller sees OpenStack's 403.
            error = Forbidden(
                f"{where}: OpenStack's policy forbids this action for the user"
                f" of clouds.yaml entry {cloud!r}: {reason}",
                cloud=cloud,
                region=region,
            )
        elif status == 404:
            error = NotFound(f"{where}: {reason}", cloud=cloud, region=region)
        elif status == 409:
            error = Conflict(f"{where}: {reason}", cloud=cloud, region=region)
        elif status in (400, 422):
            error = InvalidRequest(
                f"{where}: OpenStack rejected the request: {reason}",
                cloud=cloud,
                region=region,
            )
        elif status in (408, 504):
            error = CloudTimeout(
                f"{where}: OpenStack timed out (HTTP {status}): {reason}",
                cloud=cloud,
                region=region,
            )
        else:
            error = CloudError(
                f"{where}: OpenStack failed (HTTP {status}): {reason}",
                cloud=cloud,
                region=region,
            )
    elif isinstance(exc, ksa_exceptions.ConnectTimeout):
        # keystoneauth1 raises ConnectTimeout for read timeouts too.
        error = CloudTimeout(f"{where}: {_shorten(exc)}", cloud=cloud, region=region)
    elif isinstance(exc, ksa_exceptions.ConnectionError):
        error = CloudUnreachable(
            f"{where}: {_connection_failure(exc)}", cloud=cloud, region=region
        )
    elif isinstance(
        exc, (ksa_exceptions.EndpointNotFound, sdk_exceptions.EndpointNotFound)
    ):
        error = CloudError(
            f"{where}: the service catalog has no usable endpoint: {_shorten(exc)}",
            cloud=cloud,
            region=region,
        )
    elif isinstance(
        exc, (sdk_exceptions.ConfigException, ksa_exceptions.AuthPluginException)
    ):
        error = ConfigurationError(
            f"clouds.yaml entry {cloud!r} cannot be used: {_shorten(exc)}",
            cloud=cloud,
            region=region,
        )
    else:
        error = CloudError(f"{where}: {_shorten(exc)}", cloud=cloud, region=region)

    logger.warning("OpenStack call failed: %s", error.detail)
    return error


def _where(cloud: str, region: str | None) -> str:
    if region:
        return f"cloud {cloud} region {region}"
    return f"cloud {cloud}"


def _http_status(exc: Exception) -> int | None:
    if isinstance(exc, sdk_exceptions.HttpException):
        return exc.status_code
    if isinstance(exc, ksa_exceptions.HttpError):
        return exc.http_status or None
    return None


def _http_reason(exc: Exception) -> str:
    details = getattr(exc, "details", None)
    if details:
        return _shorten(details)
    return _shorten(getattr(exc, "message", None) or exc)


def _connection_failure(exc: Exception) -> str:
    # keystoneauth1 wraps urllib3's long retry message; keep the URL and the
    # operating system's reason, e.g. "Connection refused".
    text = str(exc)
    url = _CONNECTION_URL.search(text)
    reason = _OS_REASON.search(text)
    if not url:
        return _shorten(text)
    message = f"unable to connect to {url.group(1)}"
    if reason:
        message += f": {reason.group(1).strip()}"
    return message


def _shorten(value: object) -> str:
    text = " ".join(str(value).split())
    if len(text) > MAX_DETAIL_LENGTH:
        return text[: MAX_DETAIL_LENGTH - 1] + "…"
    return text
