"""Nova availability zones."""

from __future__ import annotations

from pydantic import BaseModel, Field

from perspective.models.common import ItemList

__all__ = ["AvailabilityZone", "AvailabilityZoneList"]


class AvailabilityZone(BaseModel):
    """A compute availability zone of one region."""

    name: str = Field(description="Nova's `zoneName`.")
    available: bool = Field(description="Nova's `zoneState.available`.")
    hosts: list[str] | None = Field(
        default=None,
        description=(
            "Compute hosts in the zone; null when the user may not see them"
            " (Nova shows hosts to administrators only by default)."
        ),
    )
    region: str
    cloud: str


class AvailabilityZoneList(ItemList[AvailabilityZone]):
    """Availability zones of one region."""
