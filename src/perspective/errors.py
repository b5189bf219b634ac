"""Exceptions every layer raises, each carrying the HTTP status it means.

The OpenStack layer translates openstacksdk and keystoneauth1 exceptions into
these, services collect them per region, and `perspective.problems` turns an
uncaught one into an RFC 9457 problem-details response. None of these
messages may contain a token, a password or a private key.
"""

from __future__ import annotations

from perspective.models.common import RegionError

__all__ = [
    "CloudCredentialsRejected",
    "CloudError",
    "CloudTimeout",
    "CloudUnreachable",
    "ConfigurationError",
    "Conflict",
    "InvalidRequest",
    "NotFound",
    "PerspectiveError",
    "RegionsFailed",
    "Unauthenticated",
]


class PerspectiveError(Exception):
    """Base class: an error with an HTTP status, a problem type and a detail.

    `cloud` and `region` name where the failure happened when it happened in
    OpenStack, so that a list can report it beside the items of the regions
    that responded.
    """

    status: int = 500
    title: str = "Internal Server Error"
    type: str = "about:blank"

    def __init__(
        self,
        detail: str,
        *,
        cloud: str | None = None,
        region: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.cloud = cloud
        self.region = region
        self.field = field


class Unauthenticated(PerspectiveError):
    """The request carries no valid Perspective API token.

    `challenge` is the WWW-Authenticate header value (RFC 6750).
    """

    status = 401
    title = "Unauthorized"
    type = "urn:perspective:problem:unauthenticated"

    def __init__(self, detail: str, *, challenge: str = "Bearer") -> None:
        super().__init__(detail)
        self.challenge = challenge


class InvalidRequest(PerspectiveError):
    """The request is invalid; `field` names the parameter at fault."""

    status = 400
    title = "Bad Request"
    type = "urn:perspective:problem:invalid-request"


class NotFound(PerspectiveError):
    """A project, region, keypair or other OpenStack resource does not exist."""

    status = 404
    title = "Not Found"
    type = "urn:perspective:problem:not-found"


class Conflict(PerspectiveError):
    """OpenStack rejected the request because of the resource's state."""

    status = 409
    title = "Conflict"
    type = "urn:perspective:problem:conflict"


class ConfigurationError(PerspectiveError):
    """Perspective's settings or a clouds.yaml entry cannot be used."""

    status = 500
    title = "Configuration Error"
    type = "urn:perspective:problem:configuration"


class CloudError(PerspectiveError):
    """A cloud failed or returned an error that is not the caller's fault."""

    status = 502
    title = "Bad Gateway"
    type = "urn:perspective:problem:cloud-error"


class CloudCredentialsRejected(CloudError):
    """OpenStack rejected (401) a configured credential.

    The caller's own Perspective token was valid, so this is a gateway
    failure: the clouds.yaml entry's user or password is what needs fixing.
    """

    type = "urn:perspective:problem:cloud-credentials-rejected"


class CloudUnreachable(CloudError):
    """No connection to an OpenStack endpoint could be made."""

    type = "urn:perspective:problem:cloud-unreachable"


class CloudTimeout(CloudError):
    """An OpenStack endpoint did not respond in time."""

    status = 504
    title = "Gateway Timeout"
    type = "urn:perspective:problem:cloud-timeout"


class RegionsFailed(PerspectiveError):
    """An operation across regions failed in some of them.

    `failed_regions` lists every failure; the status, title and type are
    those of the first one, which `detail` describes.
    """

    def __init__(
        self, detail: str, first: PerspectiveError, failed_regions: list[RegionError]
    ) -> None:
        super().__init__(detail, cloud=first.cloud, region=first.region)
        self.status = first.status
        self.title = first.title
        self.type = first.type
        self.failed_regions = failed_regions


class Forbidden(PerspectiveError):
    """OpenStack forbids the action on one resource, such as another project's image.

    Unlike CloudCredentialsRejected, the credentials work: the policy of
    the service denies this action on this resource.
    """

    status = 403
    title = "Forbidden"
    type = "urn:perspective:problem:forbidden"


class ContentTooLarge(PerspectiveError):
    """A request body, such as uploaded image data, exceeds a size limit."""

    status = 413
    title = "Content Too Large"
    type = "urn:perspective:problem:content-too-large"


__all__ += ["ContentTooLarge", "Forbidden"]
