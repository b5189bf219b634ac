"""Nova servers ("instances"): what a list or a show returns, and a launch request."""

from __future__ import annotations

import base64
import ipaddress
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from perspective.models.bulk import BulkResult, BulkResults
from perspective.models.common import ItemList

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_COUNT",
    "MAX_LIMIT",
    "SORT_KEYS",
    "MAX_USER_DATA_BYTES",
    "NOVA_STATUSES",
    "Address",
    "Fault",
    "Instance",
    "InstanceFlavor",
    "InstanceImage",
    "InstanceList",
    "InstanceQuery",
    "LaunchRequest",
    "LaunchResult",
    "LaunchResults",
    "MetadataKey",
    "MetadataValue",
    "Tag",
]

MAX_COUNT = 100
"""Maximum number of instances one launch request creates."""

# Nova rejects user_data longer than 65535 characters once base64-encoded,
# which is 16383 groups of 3 bytes: 49149 bytes of plain text.
MAX_USER_DATA_BASE64 = 65535
MAX_USER_DATA_BYTES = MAX_USER_DATA_BASE64 // 4 * 3

# Nova's rules for server tags (compute API microversion 2.26 and later):
# 1 to 60 characters without `/` or `,`, at most 50 per server.
MAX_TAGS = 50
Tag = Annotated[
    str,
    StringConstraints(min_length=1, max_length=60, pattern=r"^[^/,]+$"),
    Field(description="A Nova server tag: 1 to 60 characters, no `/` or `,`."),
]
MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=255)]
MetadataValue = Annotated[str, StringConstraints(max_length=255)]

NOVA_STATUSES = (
    "ACTIVE",
    "BUILD",
    "DELETED",
    "ERROR",
    "HARD_REBOOT",
    "MIGRATING",
    "PASSWORD",
    "PAUSED",
    "REBOOT",
    "REBUILD",
    "RESCUE",
    "RESIZE",
    "REVERT_RESIZE",
    "SHELVED",
    "SHELVED_OFFLOADED",
    "SHUTOFF",
    "SOFT_DELETED",
    "SUSPENDED",
    "UNKNOWN",
    "VERIFY_RESIZE",
)


class Address(BaseModel):
    """One IP address of an instance on one network, as Nova reports it."""

    addr: str
    version: int = Field(description="4 or 6.")
    type: Literal["fixed", "floating"] | None = Field(
        default=None, description="Nova's `OS-EXT-IPS:type`."
    )
    mac_addr: str | None = Field(default=None, description="Nova's `OS-EXT-IPS-MAC:mac_addr`.")


class InstanceFlavor(BaseModel):
    """The flavor an instance runs with, as Nova embeds it in the server."""

    id: str | None = Field(
        default=None,
        description="Flavor id, looked up by name; null when the flavor is no longer listed.",
    )
    name: str = Field(description="Nova's `original_name`.")
    vcpus: int
    ram: int = Field(description="Memory in MiB.")
    disk: int = Field(description="Root disk in GiB.")
    ephemeral: int = Field(default=0, description="Ephemeral disk in GiB.")
    swap: int = Field(default=0, description="Swap in MiB.")


class InstanceImage(BaseModel):
    """The image an instance was booted or last rebuilt from."""

    id: str
    name: str | None = Field(
        default=None, description="Null when Glance does not show the image to the project."
    )


class Fault(BaseModel):
    """The reason Nova put an instance in ERROR, without Nova's `details` (a traceback)."""

    code: int
    message: str
    created: datetime | None = None


class Instance(BaseModel):
    """A Nova server in one region. Field names are Nova's, without extension prefixes."""

    id: str
    name: str
    status: str = Field(description="Nova's status, e.g. `ACTIVE`, `SHUTOFF`, `ERROR`.")
    task_state: str | None = Field(
        default=None, description="Operation in progress, e.g. `rebooting`; null when idle."
    )
    vm_state: str | None = None
    power_state: str | None = Field(
        default=None,
        description="`pending`, `running`, `paused`, `shutdown`, `crashed` or `suspended`.",
    )
    flavor: InstanceFlavor | None = None
    image: InstanceImage | None = Field(
        default=None, description="Null for an instance booted from a volume."
    )
    addresses: dict[str, list[Address]] = Field(
        default_factory=dict,
        description="Network name -> fixed and floating addresses on that network.",
    )
    key_name: str | None = None
    availability_zone: str | None = None
    security_groups: list[str] = Field(default_factory=list, description="Security group names.")
    tags: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    locked: bool = False
    locked_reason: str | None = None
    fault: Fault | None = None
    project_id: str | None = None
    user_id: str | None = None
    created: datetime | None = None
    updated: datetime | None = None
    region: str
    cloud: str


class InstanceList(ItemList[Instance]):
    """Instances of one region, or of every enabled region, of a project."""


DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SORT_KEYS = ("name", "status", "created", "updated", "id", "region", "availability_zone")


class InstanceQuery(BaseModel):
    """Filters, sort order and page of an instance list, from the query string."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(
        default=None,
        max_length=255,
        description="Keep instances whose name contains this text, ignoring case.",
    )
    status: list[str] = Field(
        default_factory=list,
        description=(
            "Keep instances with one of these Nova statuses (`ACTIVE`, `SHUTOFF`, …),"
            " repeated or comma-separated; case is ignored."
        ),
    )
    tag: list[str] = Field(
        default_factory=list,
        description=(
            "Keep instances that have every one of these tags, repeated or"
            " comma-separated (Nova tags cannot contain commas)."
        ),
    )
    ip: str | None = Field(
        default=None,
        description=(
            "Keep instances with a fixed or floating address equal to this address,"
            " or inside this network when given in CIDR form (`10.0.0.0/24`)."
        ),
    )
    sort: str = Field(
        default="-created",
        description=(
            "Comma-separated sort keys, each optionally prefixed with `-` for"
            f" descending order. Keys: {', '.join(SORT_KEYS)}. Ties are ordered by id."
        ),
    )
    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Most items on one page."
    )
    marker: str | None = Field(
        default=None,
        max_length=255,
        description="Id of the last instance of the previous page; `next` carries it.",
    )

    @field_validator("status")
    @classmethod
    def _check_status(cls, values: list[str]) -> list[str]:
        statuses = [value.strip().upper() for value in _split(values)]
        unknown = [value for value in statuses if value not in NOVA_STATUSES]
        if unknown:
            raise ValueError(
                f"unknown status {', '.join(unknown)}; Nova statuses are {', '.join(NOVA_STATUSES)}"
            )
        return statuses

    @field_validator("tag")
    @classmethod
    def _split_tags(cls, values: list[str]) -> list[str]:
        return [value.strip() for value in _split(values)]

    @field_validator("ip")
    @classmethod
    def _check_ip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise ValueError("must be an IP address or a network in CIDR form") from None
        return value.strip()

    @field_validator("sort")
    @classmethod
    def _check_sort(cls, value: str) -> str:
        keys = [key.strip() for key in value.split(",")]
        unknown = [key for key in keys if key.removeprefix("-") not in SORT_KEYS]
        if unknown:
            raise ValueError(
                f"unknown sort key {', '.join(unknown) or '(empty)'}; use {', '.join(SORT_KEYS)},"
                " each optionally prefixed with -"
            )
        return ",".join(keys)

    def sort_keys(self) -> list[tuple[str, bool]]:
        """Return (key, descending) pairs in priority order."""
        return [(key.removeprefix("-"), key.startswith("-")) for key in self.sort.split(",")]

    def ip_network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        """Return `ip` as a network; a single address is a /32 or /128."""
        return ipaddress.ip_network(self.ip, strict=False) if self.ip else None


def _split(values: list[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


class LaunchRequest(BaseModel):
    """Instances to launch in one region of a project.

    Every reference (flavor, image, networks, keypair, security groups,
    availability zone) is checked before Nova is asked, and an unknown or
    ambiguous one rejects the request with 400 naming it.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=255,
        description=(
            "Instance name. With `count` above 1, Nova names them `<name>-1`,"
            " `<name>-2`, …"
        ),
    )
    count: int = Field(default=1, ge=1, le=MAX_COUNT, description="How many to launch.")
    flavor: str = Field(min_length=1, max_length=255, description="Flavor id or name.")
    image: str = Field(min_length=1, max_length=255, description="Glance image id or name.")
    networks: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] | None = Field(
        default=None,
        max_length=32,
        description=(
            "Network ids or names, one port on each. An empty list launches"
            " without network (Nova's `networks: none`). Omitted, Nova picks the"
            " project's only network (`networks: auto`) and fails when there are several."
        ),
    )
    keypair: str | None = Field(default=None, max_length=255, description="Keypair name.")
    availability_zone: str | None = Field(default=None, min_length=1, max_length=255)
    security_groups: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] | None = Field(
        default=None,
        max_length=32,
        description="Security group ids or names; omitted, Nova applies `default`.",
    )
    user_data: str | None = Field(
        default=None,
        description=(
            f"Plain text, such as a cloud-init script; Perspective base64-encodes it."
            f" At most {MAX_USER_DATA_BYTES} bytes in UTF-8, Nova's limit."
        ),
    )
    metadata: dict[MetadataKey, MetadataValue] = Field(
        default_factory=dict,
        description="Key-value pairs; keys 1 to 255 characters, values up to 255.",
    )
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("must not start or end with whitespace, which Nova rejects")
        return value

    @field_validator("user_data")
    @classmethod
    def _check_user_data(cls, value: str | None) -> str | None:
        if value is None:
            return None
        size = len(value.encode("utf-8"))
        if size > MAX_USER_DATA_BYTES:
            raise ValueError(
                f"is {size} bytes; Nova accepts at most {MAX_USER_DATA_BYTES} bytes"
                f" ({MAX_USER_DATA_BASE64} once base64-encoded)"
            )
        return value

    def encoded_user_data(self) -> str | None:
        """Return `user_data` base64-encoded, as Nova expects it."""
        if self.user_data is None:
            return None
        return base64.b64encode(self.user_data.encode("utf-8")).decode("ascii")


class LaunchResult(BulkResult):
    """One launched instance: 202 building, 201 ACTIVE, 502 ERROR after a wait."""

    name: str | None = None
    instance_status: str | None = Field(
        default=None, description="Nova's status when the response was sent."
    )


class LaunchResults(BulkResults[LaunchResult]):
    """The launched instances, one result each."""

    reservation_id: str | None = Field(
        default=None,
        description="Nova's reservation id of a launch with `count` above 1; null otherwise.",
    )
