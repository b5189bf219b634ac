"""Projects and their service catalogs."""

from __future__ import annotations

from pydantic import BaseModel, Field

from perspective.models.common import ItemList

__all__ = ["CatalogEndpoint", "Project", "ProjectAccess", "ProjectList"]


class Project(BaseModel):
    """A Keystone project that a configured user can use."""

    id: str
    name: str
    domain_id: str | None = None
    description: str | None = None
    enabled: bool = True
    cloud: str = Field(
        description=(
            "clouds.yaml entry whose user serves this project. When several"
            " entries reach the same project, the first one in the settings wins."
        )
    )
    regions: list[str] = Field(description="Regions enabled for this project.")


class ProjectList(ItemList[Project]):
    """Projects of every configured cloud."""


class CatalogEndpoint(BaseModel):
    """One service endpoint of the service catalog."""

    type: str = Field(description="Service type, e.g. `compute`.")
    name: str | None = Field(default=None, description="Service name, e.g. `nova`.")
    url: str


class ProjectAccess(BaseModel):
    """A project's service catalog, by region and then by interface."""

    project_id: str
    cloud: str
    regions: dict[str, dict[str, list[CatalogEndpoint]]] = Field(
        description=(
            "Region id -> interface (`public`, `internal`, `admin`) -> endpoints."
            " Endpoints that name no region are under the empty key."
        )
    )
