"""Nova flavors."""

from __future__ import annotations

from pydantic import BaseModel, Field

from perspective.models.common import ItemList

__all__ = ["Flavor", "FlavorList"]


class Flavor(BaseModel):
    """A Nova flavor in one region.

    Field names are Nova's, without the API extension prefixes
    (`os-flavor-access:is_public` is `is_public`, `OS-FLV-EXT-DATA:ephemeral`
    is `ephemeral`), as the openstack CLI shows them.
    """

    id: str
    name: str
    ram: int = Field(description="Memory in MiB.")
    vcpus: int
    disk: int = Field(description="Root disk in GiB.")
    ephemeral: int = Field(default=0, description="Ephemeral disk in GiB.")
    swap: int = Field(default=0, description="Swap in MiB.")
    is_public: bool = True
    description: str | None = None
    region: str
    cloud: str


class FlavorList(ItemList[Flavor]):
    """Flavors of every enabled region of a project."""
