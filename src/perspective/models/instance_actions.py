"""Bodies of the bulk instance actions: `ids` plus each action's own parameters.

Parameter names are the OpenStack API's: `type` for reboot, `flavor` for
resize, `image` for rebuild, `name` for snapshot, `tags`, `floating_ip`,
`network` and `fixed_address`.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from perspective.models.bulk import BulkRequest, BulkResult, BulkResults
from perspective.models.instances import MAX_TAGS, MetadataKey, MetadataValue, Tag

__all__ = [
    "ActionResult",
    "ActionResults",
    "AddIpRequest",
    "AddIpResult",
    "AddIpResults",
    "InstanceIdsRequest",
    "LockRequest",
    "RebootRequest",
    "RebuildRequest",
    "RemoveIpRequest",
    "RemoveIpResult",
    "RemoveIpResults",
    "RemovedFloatingIp",
    "ResizeRequest",
    "SnapshotRequest",
    "SnapshotResult",
    "SnapshotResults",
    "TagRequest",
    "TagResult",
    "TagResults",
]


class InstanceIdsRequest(BulkRequest):
    """Instances to act on, for an action without parameters."""


class RebootRequest(BulkRequest):
    type: Literal["SOFT", "HARD"] = Field(
        default="SOFT",
        description="`SOFT` asks the guest to restart; `HARD` power-cycles it.",
    )


class RebuildRequest(BulkRequest):
    image: str = Field(
        min_length=1, max_length=255, description="Glance image id or name to rebuild from."
    )


class ResizeRequest(BulkRequest):
    flavor: str = Field(min_length=1, max_length=255, description="Flavor id or name to resize to.")
    confirm: bool = Field(
        default=False,
        description=(
            "Confirm the resize as soon as Nova reaches `VERIFY_RESIZE`, waiting at most"
            " `timeout` seconds for it. Without it, the instance stays in"
            " `VERIFY_RESIZE` until PUT …/instances/resize/confirm or /revert."
        ),
    )


class SnapshotRequest(BulkRequest):
    name: str = Field(
        min_length=1,
        max_length=255,
        description="Name of the new image; every instance's snapshot gets this name.",
    )
    metadata: dict[MetadataKey, MetadataValue] = Field(
        default_factory=dict, description="Properties to set on the new images."
    )


class LockRequest(BulkRequest):
    locked_reason: str | None = Field(
        default=None, max_length=255, description="Why the instances are locked, shown by Nova."
    )


class TagRequest(BulkRequest):
    tags: list[Tag] = Field(min_length=1, max_length=MAX_TAGS)


class AddIpRequest(BulkRequest):
    """The floating IP to bind to each instance, and the fixed address to bind it to.

    Give `floating_ip` to bind an existing floating IP of the project, or
    `network` to allocate a new one from that external network. With
    neither, a new one is allocated from the region's only external network.
    """

    floating_ip: str | None = Field(
        default=None,
        max_length=255,
        description="Address or id of an existing floating IP; needs exactly one id in `ids`.",
    )
    network: str | None = Field(
        default=None,
        max_length=255,
        description="Id or name of the external network to allocate a floating IP from.",
    )
    fixed_address: str | None = Field(
        default=None,
        description=(
            "Fixed address of the instance to bind the floating IP to; needs exactly one"
            " id in `ids`. Omitted, the first IPv4 address on a subnet that a router"
            " connects to the external network."
        ),
    )

    @field_validator("fixed_address")
    @classmethod
    def _check_fixed_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            raise ValueError("must be an IP address") from None

    @model_validator(mode="after")
    def _check_combination(self) -> AddIpRequest:
        if self.floating_ip is not None and self.network is not None:
            raise ValueError(
                "give floating_ip to bind an existing floating IP, or network to"
                " allocate one, not both"
            )
        single = {value.lower() for value in self.ids}
        for field in ("floating_ip", "fixed_address"):
            if getattr(self, field) is not None and len(single) > 1:
                raise ValueError(
                    f"{field} applies to one instance, so ids must name exactly one;"
                    " to give several instances a new floating IP each, use network"
                )
        return self


class RemoveIpRequest(BulkRequest):
    floating_ip: str | None = Field(
        default=None,
        max_length=255,
        description=(
            "Address or id of the floating IP to remove; omitted, every floating IP"
            " of each instance is removed."
        ),
    )


class ActionResult(BulkResult):
    """The outcome of an instance action for one instance."""

    instance_status: str | None = Field(
        default=None,
        description="Nova's status of the instance after the action, when it was read.",
    )


class ActionResults(BulkResults[ActionResult]):
    """One result per distinct instance id."""


class SnapshotResult(ActionResult):
    image_id: str | None = Field(default=None, description="Glance id of the new image.")


class SnapshotResults(BulkResults[SnapshotResult]):
    """One result per distinct instance id, each with its new image's id."""


class TagResult(ActionResult):
    tags: list[str] | None = Field(
        default=None, description="The instance's tags after the change."
    )


class TagResults(BulkResults[TagResult]):
    """One result per distinct instance id, each with its tags."""


class AddIpResult(ActionResult):
    floating_ip: str | None = Field(default=None, description="The floating IP address.")
    floating_ip_id: str | None = None
    fixed_address: str | None = Field(
        default=None, description="Fixed address the floating IP is bound to."
    )
    allocated: bool | None = Field(
        default=None,
        description=(
            "True when this request allocated the floating IP; removing it later"
            " releases it. False when an existing one was bound or was already there."
        ),
    )


class AddIpResults(BulkResults[AddIpResult]):
    """One result per distinct instance id, each with its floating IP."""


class RemovedFloatingIp(BaseModel):
    """A floating IP taken off an instance."""

    floating_ip: str = Field(description="The floating IP address.")
    floating_ip_id: str
    released: bool = Field(
        description=(
            "True when Perspective had allocated it, so it was deleted; false when it"
            " was only disassociated and stays in the project."
        )
    )


class RemoveIpResult(ActionResult):
    removed: list[RemovedFloatingIp] = Field(default_factory=list)


class RemoveIpResults(BulkResults[RemoveIpResult]):
    """One result per distinct instance id, each with the floating IPs removed."""
