"""List queries with `fresh`, the switch between the synced inventory and OpenStack."""

from __future__ import annotations

from pydantic import Field

from perspective.models.images import ImageListQuery
from perspective.models.instances import InstanceQuery

__all__ = ["FRESH_DESCRIPTION", "FreshImageListQuery", "FreshInstanceQuery"]

FRESH_DESCRIPTION = (
    "Read the list from OpenStack now instead of from the synced inventory."
    " Slower, but it includes the changes made since the last sync."
)


class FreshInstanceQuery(InstanceQuery):
    """An instance list query, with `fresh`."""

    fresh: bool = Field(default=False, description=FRESH_DESCRIPTION)


class FreshImageListQuery(ImageListQuery):
    """An image list query, with `fresh`."""

    fresh: bool = Field(default=False, description=FRESH_DESCRIPTION)
