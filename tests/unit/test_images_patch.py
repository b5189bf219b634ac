"""The JSON patch built for an image modification, and the checks on the request."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from perspective.models.images import Image, ImagesUpdate
from perspective.services.images import build_patch

IMAGE_ID = str(uuid.uuid4())


def image(**fields) -> Image:
    base = {
        "id": IMAGE_ID,
        "name": "base",
        "status": "active",
        "visibility": "private",
        "tags": ["keep", "drop"],
        "properties": {"os_distro": "cirros", "pt_old": "1"},
        "region": "R1",
        "cloud": "c",
    }
    return Image(**{**base, **fields})


def update(**fields) -> ImagesUpdate:
    return ImagesUpdate(ids=[IMAGE_ID], **fields)


def test_core_fields_replaced():
    operations = build_patch(image(), update(name="new", visibility="community", protected=True, min_ram=128))
    assert operations == [
        {"op": "replace", "path": "/name", "value": "new"},
        {"op": "replace", "path": "/visibility", "value": "community"},
        {"op": "replace", "path": "/protected", "value": True},
        {"op": "replace", "path": "/min_ram", "value": 128},
    ]


def test_fields_at_requested_value_skipped():
    assert build_patch(image(), update(name="base", visibility="private", protected=False, min_disk=0)) == []


def test_tags_add_remove_computed_from_current():
    operations = build_patch(image(), update(tags={"add": ["new", "keep"], "remove": ["drop", "absent"]}))
    assert operations == [{"op": "replace", "path": "/tags", "value": ["keep", "new"]}]


def test_tags_set_deduplicated():
    operations = build_patch(image(), update(tags={"set": ["b", "a", "b"]}))
    assert operations == [{"op": "replace", "path": "/tags", "value": ["b", "a"]}]


def test_tags_same_set_in_other_order_skipped():
    assert build_patch(image(), update(tags={"set": ["drop", "keep"]})) == []


def test_properties_add_and_remove_present_only():
    operations = build_patch(
        image(),
        update(properties={"set": {"os_distro": "cirros", "hw_disk_bus": "scsi"}, "remove": ["pt_old", "absent"]}),
    )
    assert operations == [
        {"op": "add", "path": "/hw_disk_bus", "value": "scsi"},
        {"op": "remove", "path": "/pt_old"},
    ]


def test_property_names_escaped_as_json_pointer():
    operations = build_patch(image(), update(properties={"set": {"a/b~c": "v"}}))
    assert operations == [{"op": "add", "path": "/a~1b~0c", "value": "v"}]


@pytest.mark.parametrize("name", ["id", "owner", "status", "size", "checksum", "tags", "os_glance_x", "deleted"])
def test_reserved_property_names_rejected(name):
    with pytest.raises(ValidationError, match=name):
        update(properties={"set": {name: "x"}})
    with pytest.raises(ValidationError, match=name):
        update(properties={"remove": [name]})


@pytest.mark.parametrize("visibility", ["everyone", "Public", ""])
def test_invalid_visibility_rejected(visibility):
    with pytest.raises(ValidationError, match="visibility"):
        update(visibility=visibility)


def test_request_without_change_rejected():
    with pytest.raises(ValidationError, match="no change requested"):
        update()


def test_tags_set_with_add_rejected():
    with pytest.raises(ValidationError, match="either `set`"):
        update(tags={"set": ["a"], "add": ["b"]})


def test_tag_added_and_removed_rejected():
    with pytest.raises(ValidationError, match="both added and removed: a"):
        update(tags={"add": ["a"], "remove": ["a"]})


def test_property_set_and_removed_rejected():
    with pytest.raises(ValidationError, match="both set and removed: k"):
        update(properties={"set": {"k": "v"}, "remove": ["k"]})


def test_non_uuid_id_rejected():
    with pytest.raises(ValidationError):
        ImagesUpdate(ids=["../../v2/schemas"], name="x")
