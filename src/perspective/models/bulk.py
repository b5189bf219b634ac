"""Request and response bodies shared by every bulk action on instances or images.

A bulk action names its targets in `ids` and returns one result per
distinct id, each with the HTTP status of that id's outcome.
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["MAX_IDS", "BulkRequest", "BulkResult", "BulkResults", "ResourceId"]

MAX_IDS = 1000
"""Maximum number of ids in one bulk request, so that one request stays bounded."""

ResultT = TypeVar("ResultT", bound="BulkResult")

ResourceId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    Field(description="OpenStack id of the resource, e.g. a Nova server UUID."),
]


class BulkRequest(BaseModel):
    """The targets of a bulk action; an action adds its own parameters."""

    model_config = ConfigDict(extra="forbid")

    ids: list[ResourceId] = Field(
        min_length=1,
        max_length=MAX_IDS,
        description=(
            f"Ids to act on, 1 to {MAX_IDS}. A repeated id is acted on once"
            " and has one result."
        ),
    )


class BulkResult(BaseModel):
    """The outcome of a bulk action for one id."""

    id: str
    status: int = Field(
        description=(
            "HTTP status of this id's outcome: 200 done, 202 accepted and still in"
            " progress, 400 invalid for this id, 404 not found, 409 wrong state or"
            " locked, 502/504 when the cloud failed or timed out."
        )
    )
    detail: str | None = Field(
        default=None,
        description=(
            "Why the action failed or is not finished, or a note on a success that"
            " changed nothing; null otherwise."
        ),
    )


class BulkResults(BaseModel, Generic[ResultT]):
    """One result per distinct id, in the order the ids were given.

    The HTTP status of the response is the status every result shares, or
    207 (Multi-Status) when they differ.
    """

    results: list[ResultT]
