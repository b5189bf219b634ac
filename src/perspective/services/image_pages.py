"""Pages of an image list that spans regions: merge order and the `marker` cursor.

Glance pages by marker, the id of the last image of the previous page, and
that id exists in one region only. So the cursor that Perspective hands out
contains one Glance marker per region. Each page asks every region for the
images after its own marker, merges them in the requested order, keeps
`limit` of them and moves each region's marker to the last image it kept.
Every image of every region is then listed exactly once, in Glance's order
within its region, however the regions' images interleave.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

from perspective.errors import InvalidRequest
from perspective.models.images import Image, SortKey

__all__ = ["Cursor", "MergedPage", "decode_cursor", "encode_cursor", "merge_pages", "sort_with_tiebreakers"]

CURSOR_VERSION = 1


@dataclass(frozen=True)
class Cursor:
    """The start of the next page in each region that may have more images.

    A region maps to the id of the last image listed from it, or to None
    to start from its first image. A region left out has no more images.
    """

    markers: Mapping[str, str | None]


@dataclass(frozen=True)
class MergedPage:
    """The images of one page and the cursor of the next one (None on the last page)."""

    images: list[Image]
    next_cursor: Cursor | None


def encode_cursor(cursor: Cursor) -> str:
    """Return a cursor as a URL-safe token."""
    payload = json.dumps({"v": CURSOR_VERSION, "regions": dict(cursor.markers)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    """Parse a token from `encode_cursor`; raises InvalidRequest for anything else."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        regions = data["regions"]
        valid = (
            data.get("v") == CURSOR_VERSION
            and isinstance(regions, dict)
            and all(isinstance(marker, (str, type(None))) for marker in regions.values())
        )
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        valid = False
    if not valid:
        raise InvalidRequest(
            "invalid marker: pass the marker of the `next` URL of the previous page unchanged",
            field="marker",
        )
    return Cursor(markers=regions)


def sort_with_tiebreakers(sort: Sequence[SortKey]) -> list[SortKey]:
    """Return the full order Glance applies for a requested one.

    Glance appends `created_at` and then `id` when they are missing, in the
    direction of the only requested key, or descending when several keys
    were requested (glance/db/sqlalchemy/api.py, `_image_get_all`).
    """
    direction = sort[0].direction if len(sort) == 1 else "desc"
    full = list(sort)
    for key in ("created_at", "id"):
        if all(existing.key != key for existing in full):
            full.append(SortKey(key=key, direction=direction))
    return full


def merge_pages(
    pages: Mapping[str, Sequence[Image]],
    cursor: Cursor,
    failed_regions: Sequence[str],
    sort: Sequence[SortKey],
    limit: int,
) -> MergedPage:
    """Merge the regions' images into one page of at most `limit`, and compute the next cursor.

    `pages` contains, per region that responded, up to `limit + 1` images
    after that region's marker, so a region that returned more than it had
    room for on this page still has images. A region in `failed_regions`
    keeps its marker and is asked again on the next page, which exists only
    while a region that responded has more images.
    """
    order = cmp_to_key(_comparator(sort_with_tiebreakers(sort)))
    streams = [[(order(image), index, image) for image in images] for index, images in enumerate(pages.values())]
    merged = [image for _, _, image in heapq.merge(*streams)][:limit]

    listed: dict[str, int] = {region: 0 for region in pages}
    for image in merged:
        listed[image.region] += 1

    markers: dict[str, str | None] = {}
    for region, images in pages.items():
        count = listed[region]
        if count < len(images):
            markers[region] = images[count - 1].id if count else cursor.markers.get(region)
    more = bool(markers)
    for region in failed_regions:
        markers[region] = cursor.markers.get(region)

    return MergedPage(images=merged, next_cursor=Cursor(markers) if more else None)


def _comparator(sort: Sequence[SortKey]):
    def compare(left: Image, right: Image) -> int:
        for key in sort:
            result = _compare_values(_sort_value(left, key.key), _sort_value(right, key.key))
            if result:
                return result if key.direction == "asc" else -result
        return 0

    return compare


def _sort_value(image: Image, key: str) -> Any:
    value = getattr(image, key)
    # NOTE: Glance sorts in its database. MySQL's usual collations compare
    # case-insensitively, which casefold() imitates; accents and other
    # collation rules can still order a few names differently. Paging stays
    # exact either way, because each region's own order is kept.
    if isinstance(value, str):
        return value.casefold()
    return value


def _compare_values(left: Any, right: Any) -> int:
    # Databases put NULL first in ascending order, as MySQL does.
    if left is None or right is None:
        return (left is not None) - (right is not None)
    return (left > right) - (left < right)
