"""RFC 9457 problem details, the body of every error response."""

from __future__ import annotations

from pydantic import BaseModel, Field

from perspective.models.common import RegionError

__all__ = ["FieldError", "Problem"]


class FieldError(BaseModel):
    """One invalid field of a request."""

    field: str = Field(description="Location of the field, e.g. `body.public_key` or `query.cloud`.")
    message: str


class Problem(BaseModel):
    """An error, as `application/problem+json`."""

    type: str = Field(default="about:blank", description="URI that identifies the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="Path of the request that failed.")
    cloud: str | None = Field(default=None, description="clouds.yaml entry involved, if any.")
    region: str | None = Field(default=None, description="Region involved, if any.")
    errors: list[FieldError] | None = Field(
        default=None, description="Invalid fields, for a request that failed validation."
    )
    failed_regions: list[RegionError] | None = Field(
        default=None,
        description="Regions that failed, for an operation that spans regions.",
    )
