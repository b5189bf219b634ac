"""Merging per-region image pages and the cursor that continues them."""

from __future__ import annotations

import pytest

from perspective.errors import InvalidRequest
from perspective.models.images import Image, SortKey, parse_sort
from perspective.services.image_pages import (
    Cursor,
    decode_cursor,
    encode_cursor,
    merge_pages,
    sort_with_tiebreakers,
)


def image(image_id: str, region: str, name: str | None = None, created: str = "2026-01-01T00:00:00Z", size=None) -> Image:
    return Image(
        id=image_id,
        name=name,
        status="active",
        visibility="private",
        created_at=created,
        size=size,
        region=region,
        cloud="c",
    )


def region_stream(region: str, names: list[str]) -> list[Image]:
    return [image(f"{region}-{name}", region, name) for name in names]


def collect_all(streams: dict[str, list[Image]], limit: int, sort: str = "name:asc") -> list[list[str]]:
    """Page through in-memory regions as the service does; return every page's ids."""
    cursor = Cursor({region: None for region in streams})
    pages = []
    while True:
        fetched = {}
        for region, marker in cursor.markers.items():
            images = streams[region]
            start = 0 if marker is None else [item.id for item in images].index(marker) + 1
            fetched[region] = images[start : start + limit + 1]
        page = merge_pages(fetched, cursor, [], parse_sort(sort), limit)
        pages.append([item.id for item in page.images])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_cursor_round_trip():
    cursor = Cursor({"RegionOne": "abc", "Region Two/β": None})
    assert decode_cursor(encode_cursor(cursor)) == cursor


@pytest.mark.parametrize("token", ["", "not base64 !", "e30", encode_cursor(Cursor({})).upper(), "eyJ2IjoyfQ"])
def test_cursor_rejects_foreign_tokens(token):
    with pytest.raises(InvalidRequest) as raised:
        decode_cursor(token)
    assert raised.value.field == "marker"


def test_merge_interleaves_by_name():
    pages = {"R1": region_stream("R1", ["a", "c", "e"]), "R2": region_stream("R2", ["b", "d"])}
    page = merge_pages(pages, Cursor({"R1": None, "R2": None}), [], parse_sort("name:asc"), 10)
    assert [item.name for item in page.images] == ["a", "b", "c", "d", "e"]
    assert page.next_cursor is None


def test_merge_is_case_insensitive_like_mysql():
    pages = {"R1": region_stream("R1", ["Beta"]), "R2": region_stream("R2", ["alpha", "gamma"])}
    page = merge_pages(pages, Cursor({"R1": None, "R2": None}), [], parse_sort("name:asc"), 10)
    assert [item.name for item in page.images] == ["alpha", "Beta", "gamma"]


def test_next_cursor_marks_last_taken_per_region():
    pages = {"R1": region_stream("R1", ["a", "c", "e"]), "R2": region_stream("R2", ["b", "d", "f"])}
    page = merge_pages(pages, Cursor({"R1": None, "R2": None}), [], parse_sort("name:asc"), 3)
    assert [item.name for item in page.images] == ["a", "b", "c"]
    assert page.next_cursor == Cursor({"R1": "R1-c", "R2": "R2-b"})


def test_region_with_nothing_taken_keeps_marker():
    pages = {"R1": region_stream("R1", ["x", "y"]), "R2": region_stream("R2", ["a", "b", "c"])}
    page = merge_pages(pages, Cursor({"R1": "R1-w", "R2": "R2-0"}), [], parse_sort("name:asc"), 2)
    assert page.next_cursor == Cursor({"R2": "R2-b", "R1": "R1-w"})


def test_exhausted_region_leaves_cursor():
    pages = {"R1": region_stream("R1", ["a"]), "R2": region_stream("R2", ["b", "c", "d"])}
    page = merge_pages(pages, Cursor({"R1": None, "R2": None}), [], parse_sort("name:asc"), 2)
    assert page.next_cursor == Cursor({"R2": "R2-b"})


def test_failed_region_retried_on_next_page():
    pages = {"R1": region_stream("R1", ["a", "b", "c"])}
    page = merge_pages(pages, Cursor({"R1": None, "R2": "R2-q"}), ["R2"], parse_sort("name:asc"), 2)
    assert page.next_cursor == Cursor({"R1": "R1-b", "R2": "R2-q"})


def test_failed_region_alone_ends_pages():
    pages = {"R1": region_stream("R1", ["a"])}
    page = merge_pages(pages, Cursor({"R1": None, "R2": None}), ["R2"], parse_sort("name:asc"), 2)
    assert page.next_cursor is None


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 20])
def test_pages_list_every_image_once(limit):
    streams = {
        "R1": region_stream("R1", ["a", "b", "f", "g", "h"]),
        "R2": region_stream("R2", ["c", "d"]),
        "R3": region_stream("R3", ["e", "i", "j", "k"]),
    }
    pages = collect_all(streams, limit)
    flat = [image_id for page in pages for image_id in page]
    assert [image_id.split("-")[1] for image_id in flat] == list("abcdefghijk")
    assert all(len(page) <= limit for page in pages)


def test_pages_exact_when_region_order_disagrees():
    # R1 is not in the requested order (as a collation we do not imitate
    # could make it); every image must still appear exactly once.
    streams = {"R1": region_stream("R1", ["z", "a", "m"]), "R2": region_stream("R2", ["b", "c"])}
    flat = [image_id for page in collect_all(streams, 2) for image_id in page]
    assert sorted(flat) == sorted(item.id for stream in streams.values() for item in stream)
    assert [image_id for image_id in flat if image_id.startswith("R1")] == ["R1-z", "R1-a", "R1-m"]


def test_nulls_first_ascending():
    pages = {"R1": [image("i1", "R1", size=10)], "R2": [image("i2", "R2", size=None)]}
    ascending = merge_pages(pages, Cursor({"R1": None, "R2": None}), [], parse_sort("size:asc"), 5)
    assert [item.id for item in ascending.images] == ["i2", "i1"]
    descending = merge_pages(pages, Cursor({"R1": None, "R2": None}), [], parse_sort("size:desc"), 5)
    assert [item.id for item in descending.images] == ["i1", "i2"]


def test_ties_broken_by_created_at():
    pages = {
        "R1": [image("x", "R1", "same", "2026-01-02T00:00:00Z")],
        "R2": [image("y", "R2", "same", "2026-01-01T00:00:00Z")],
    }
    page = merge_pages(pages, Cursor({"R1": None, "R2": None}), [], parse_sort("name:asc"), 5)
    assert [item.id for item in page.images] == ["y", "x"]


def test_ties_broken_by_id_across_regions():
    pages = {
        "R1": [image("b", "R1", "same")],
        "R2": [image("a", "R2", "same"), image("c", "R2", "same")],
    }
    page = merge_pages(pages, Cursor({"R1": None, "R2": None}), [], parse_sort("name:asc"), 5)
    assert [item.id for item in page.images] == ["a", "b", "c"]


def test_tiebreakers_follow_glance():
    assert sort_with_tiebreakers(parse_sort("name:asc")) == [
        SortKey(key="name", direction="asc"),
        SortKey(key="created_at", direction="asc"),
        SortKey(key="id", direction="asc"),
    ]
    assert sort_with_tiebreakers(parse_sort("name:asc,size:asc"))[2:] == [
        SortKey(key="created_at", direction="desc"),
        SortKey(key="id", direction="desc"),
    ]
    assert sort_with_tiebreakers(parse_sort("id:asc")) == [
        SortKey(key="id", direction="asc"),
        SortKey(key="created_at", direction="asc"),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [("owner", "unknown sort key"), ("name:up", "unknown sort direction"), ("name,name:asc", "repeated")],
)
def test_parse_sort_rejects(value, message):
    with pytest.raises(ValueError, match=message):
        parse_sort(value)


def test_parse_sort_defaults_to_descending():
    assert parse_sort("name, size:asc") == [SortKey(key="name", direction="desc"), SortKey(key="size", direction="asc")]
