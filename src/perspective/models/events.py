"""Change events of the inventory, as `GET /events` sends them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["InventoryEvent"]


class InventoryEvent(BaseModel):
    """An instance or image that the inventory saw created, updated or deleted.

    It is sent as the `data` of a server-sent event whose `event` field is
    `<type>.<action>`, for example `instance.deleted`.
    """

    type: Literal["instance", "image"]
    action: Literal["created", "updated", "deleted"]
    id: str = Field(description="Nova server UUID or Glance image UUID.")
    name: str | None = None
    status: str | None = Field(
        default=None, description="Status after the change; `DELETED` for a deleted instance."
    )
    cloud: str
    region: str
    project_id: str = Field(description="Project whose inventory saw the change.")
    time: datetime = Field(description="When the sync saw the change (not when it happened).")
