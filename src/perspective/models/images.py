"""Glance images, and the requests that list, change, delete and upload them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from perspective.models.bulk import MAX_IDS, BulkRequest, BulkResult, BulkResults
from perspective.models.common import ItemList

__all__ = [
    "IMAGE_ID_PATTERN",
    "RESERVED_PROPERTIES",
    "SORT_KEYS",
    "Image",
    "ImageBulkRequest",
    "ImageList",
    "ImageListQuery",
    "ImageResult",
    "ImageResults",
    "ImageUpload",
    "ImagesDelete",
    "ImagesUpdate",
    "PropertyChanges",
    "SortKey",
    "TagChanges",
    "parse_sort",
]

# Glance's image schema requires ids of this form, and checking it keeps an
# id from ever changing the path of a request to Glance.
IMAGE_ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

# Glance's sort keys (glance/api/v2/images.py, `_available_sort_keys`).
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at")
DEFAULT_SORT = "created_at:desc"

# Names a free-form property may not have: Glance's core fields, which have
# their own request fields or are read-only, and the names Glance reserves.
RESERVED_PROPERTIES = frozenset(
    {
        "checksum",
        "container_format",
        "created_at",
        "deleted",
        "deleted_at",
        "direct_url",
        "disk_format",
        "file",
        "id",
        "location",
        "locations",
        "min_disk",
        "min_ram",
        "name",
        "os_hash_algo",
        "os_hash_value",
        "os_hidden",
        "owner",
        "protected",
        "schema",
        "self",
        "size",
        "status",
        "stores",
        "tags",
        "updated_at",
        "virtual_size",
        "visibility",
    }
)
# Glance rejects every property whose name starts with this prefix.
RESERVED_PROPERTY_PREFIX = "os_glance"

Visibility = Literal["public", "community", "shared", "private"]
ImageStatus = Literal[
    "queued", "saving", "uploading", "importing", "active", "deactivated", "killed", "deleted", "pending_delete"
]
ImageId = Annotated[
    str,
    StringConstraints(pattern=IMAGE_ID_PATTERN),
    Field(description="Glance image id (a UUID).", examples=["b95a93dc-56d6-4cd2-93d3-7897f3736945"]),
]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=255)]
PropertyName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Minimum = Annotated[int, Field(ge=0, le=2**31 - 1)]


class Image(BaseModel):
    """A Glance image in one region, with Glance's field names.

    Free-form properties, which Glance returns beside the core fields, are
    gathered in `properties`.
    """

    id: str
    name: str | None = None
    status: str
    visibility: str
    owner: str | None = None
    protected: bool = False
    os_hidden: bool = False
    tags: list[str] = Field(default_factory=list)
    disk_format: str | None = None
    container_format: str | None = None
    size: int | None = Field(default=None, description="Size of the image data in bytes.")
    virtual_size: int | None = Field(default=None, description="Virtual disk size in bytes.")
    checksum: str | None = Field(default=None, description="MD5 of the image data.")
    os_hash_algo: str | None = None
    os_hash_value: str | None = Field(default=None, description="Hash of the image data, by `os_hash_algo`.")
    min_disk: int = Field(default=0, description="Root disk needed to boot, in GiB.")
    min_ram: int = Field(default=0, description="Memory needed to boot, in MiB.")
    stores: str | None = Field(default=None, description="Comma-separated stores that hold the data.")
    created_at: datetime | None = None
    updated_at: datetime | None = None
    properties: dict[str, Any] = Field(
        default_factory=dict, description="Free-form properties, e.g. `os_distro` or `hw_disk_bus`."
    )
    region: str
    cloud: str


class ImageList(ItemList[Image]):
    """Images a project can use, from every enabled region."""


class SortKey(BaseModel):
    """One key of a sort order."""

    key: str
    direction: Literal["asc", "desc"]


def parse_sort(value: str) -> list[SortKey]:
    """Parse Glance's sort syntax, `key[:asc|desc][,key[:asc|desc]]…`.

    A key without a direction sorts descending, as in Glance. Raises
    ValueError for an unknown key, an unknown direction or a repeated key.
    """
    keys: list[SortKey] = []
    for part in value.split(","):
        key, _, direction = part.strip().partition(":")
        key = key.strip()
        direction = direction.strip() or "desc"
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {key!r}; use one of: {', '.join(SORT_KEYS)}")
        if direction not in ("asc", "desc"):
            raise ValueError(f"unknown sort direction {direction!r} for {key!r}; use asc or desc")
        if any(existing.key == key for existing in keys):
            raise ValueError(f"sort key {key!r} is repeated")
        keys.append(SortKey(key=key, direction=direction))
    return keys


class ImageListQuery(BaseModel):
    """Filters, order and page of an image list, as query parameters.

    Unknown query parameters are ignored, not rejected, because FastAPI
    validates every query parameter against this model, including those
    the route declares beside it (such as `fresh`).
    """

    name: str | None = Field(default=None, description="Exact image name.")
    status: ImageStatus | None = None
    visibility: Literal["all", "public", "community", "shared", "private"] = Field(
        default="all",
        description=(
            "`all` lists what the project can use: its own images, public and"
            " community images, and images shared with it."
        ),
    )
    member_status: Literal["accepted", "pending", "rejected", "all"] = Field(
        default="accepted",
        description="Which images shared with the project to list, by the status of the project's membership.",
    )
    owner: str | None = Field(default=None, description="Project id of the owner.")
    tag: list[Tag] = Field(default_factory=list, description="Tags; an image must have all of them.")
    sort: str = Field(
        default=DEFAULT_SORT,
        description=(
            f"Comma-separated `key:asc` or `key:desc`; keys: {', '.join(SORT_KEYS)}."
            " Glance breaks ties by `created_at` and `id`."
        ),
        examples=["name:asc,created_at:desc"],
    )
    limit: int = Field(default=100, ge=1, le=1000, description="Maximum images in this page.")
    marker: str | None = Field(
        default=None,
        max_length=4096,
        description="Where the page starts: the value that the previous page's `next` URL carries.",
    )

    @field_validator("sort")
    @classmethod
    def _check_sort(cls, value: str) -> str:
        parse_sort(value)
        return value


class TagChanges(BaseModel):
    """Changes to the tags of an image: replace them all, or add and remove some."""

    model_config = ConfigDict(extra="forbid")

    set: list[Tag] | None = Field(default=None, description="The new tags, replacing every current one.")
    add: list[Tag] = Field(default_factory=list, description="Tags to add; a tag already there stays once.")
    remove: list[Tag] = Field(
        default_factory=list, description="Tags to remove; a tag that is not there is ignored."
    )

    @model_validator(mode="after")
    def _check_consistent(self) -> TagChanges:
        if self.set is not None and (self.add or self.remove):
            raise ValueError("use either `set`, or `add` and `remove`")
        both = sorted(set(self.add) & set(self.remove))
        if both:
            raise ValueError(f"tags both added and removed: {', '.join(both)}")
        return self


class PropertyChanges(BaseModel):
    """Changes to the free-form properties of an image."""

    model_config = ConfigDict(extra="forbid")

    set: dict[PropertyName, str] = Field(
        default_factory=dict, description="Properties to add or replace, by name."
    )
    remove: list[PropertyName] = Field(
        default_factory=list, description="Properties to remove; one that is not there is ignored."
    )

    @field_validator("remove")
    @classmethod
    def _check_remove(cls, names: list[str]) -> list[str]:
        for name in names:
            _check_property_name(name)
        return names

    @field_validator("set")
    @classmethod
    def _check_set(cls, values: dict[str, str]) -> dict[str, str]:
        for name in values:
            _check_property_name(name)
        return values

    @model_validator(mode="after")
    def _check_consistent(self) -> PropertyChanges:
        both = sorted(set(self.set) & set(self.remove))
        if both:
            raise ValueError(f"properties both set and removed: {', '.join(both)}")
        return self


def _check_property_name(name: str) -> None:
    if name in RESERVED_PROPERTIES:
        raise ValueError(f"{name!r} is a core image field or a name Glance reserves, not a free-form property")
    if name.startswith(RESERVED_PROPERTY_PREFIX):
        raise ValueError(f"{name!r} starts with {RESERVED_PROPERTY_PREFIX!r}, a prefix Glance reserves")


class ImageBulkRequest(BulkRequest):
    """Image ids to act on; each must be a UUID, as Glance's ids are."""

    ids: list[ImageId] = Field(
        min_length=1,
        max_length=MAX_IDS,
        description=f"Image ids, 1 to {MAX_IDS}. A repeated id is acted on once and has one result.",
    )


class ImagesUpdate(ImageBulkRequest):
    """Changes to apply to every listed image; fields left out stay as they are."""

    name: str | None = Field(default=None, max_length=255)
    visibility: Visibility | None = None
    protected: bool | None = Field(default=None, description="A protected image cannot be deleted.")
    min_disk: Minimum | None = Field(default=None, description="Root disk needed to boot, in GiB.")
    min_ram: Minimum | None = Field(default=None, description="Memory needed to boot, in MiB.")
    tags: TagChanges | None = None
    properties: PropertyChanges | None = None

    @model_validator(mode="after")
    def _check_has_change(self) -> ImagesUpdate:
        changes = self.model_dump(exclude={"ids"}, exclude_none=True)
        if not changes:
            raise ValueError(
                "no change requested: give at least one of name, visibility, protected,"
                " min_disk, min_ram, tags, properties"
            )
        return self


class ImagesDelete(ImageBulkRequest):
    """Images to delete."""

    force: bool = Field(
        default=False,
        description=(
            "Delete an image even when servers of the project in its region"
            " were booted from it. Protected images are never deleted."
        ),
    )


class ImageResult(BulkResult):
    """The outcome of a bulk image action for one id, with the region it concerns."""

    region: str | None = Field(
        default=None,
        description="Region of the image, or of the failure when a region failed; null when neither is known.",
    )


ImageResults = BulkResults[ImageResult]


class ImageUpload(BaseModel):
    """Metadata of an image to upload, as query parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    disk_format: str = Field(
        min_length=1,
        max_length=32,
        description="Disk format, e.g. `raw`, `qcow2` or `iso`; the cloud's Glance lists the ones it accepts.",
    )
    container_format: str = Field(default="bare", min_length=1, max_length=32)
    visibility: Visibility | None = Field(default=None, description="Unset means Glance's default, `shared`.")
    protected: bool = False
    min_disk: Minimum = Field(default=0, description="Root disk needed to boot, in GiB.")
    min_ram: Minimum = Field(default=0, description="Memory needed to boot, in MiB.")
    tags: list[Tag] = Field(default_factory=list)
