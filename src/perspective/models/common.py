"""The list envelope every list endpoint returns, and its per-region errors."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

__all__ = ["ItemList", "RegionError"]

ItemT = TypeVar("ItemT")


class RegionError(BaseModel):
    """One cloud or region that failed while the others responded."""

    cloud: str = Field(description="clouds.yaml entry that failed.")
    region: str | None = Field(
        default=None, description="Region that failed; null when the whole cloud failed."
    )
    status: int = Field(description="HTTP status that matches the failure (502, 504, …).")
    reason: str = Field(description="What failed, in words.")


class ItemList(BaseModel, Generic[ItemT]):
    """Items gathered from several regions or clouds, with the ones that failed.

    A region that fails does not fail the list: its failure is an entry in
    `errors` and the other regions' items are still in `items`.
    """

    items: list[ItemT]
    errors: list[RegionError] = Field(default_factory=list)
    next: str | None = Field(
        default=None, description="URL of the next page; null when there is none."
    )
    data_age: float | None = Field(
        default=None,
        description=(
            "Seconds since the oldest data in this list was read from OpenStack: 0 when it"
            " was read for this request, more when it came from the synced inventory."
            " Null for lists that always read OpenStack. The `Age` header has it in whole seconds."
        ),
    )
