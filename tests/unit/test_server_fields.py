"""Fields read from openstacksdk's Server without building nested resources."""

from __future__ import annotations

from types import SimpleNamespace

from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.image import Image
from openstack.compute.v2.server import Server

from perspective.openstack.servers import _flavor, _image_id, _nested

FLAVOR = {"original_name": "m1.nano", "vcpus": 1, "ram": 128, "disk": 1, "ephemeral": 0, "swap": 0}


def server(**body) -> Server:
    # As openstacksdk builds it from Nova's response.
    return Server.existing(id="s1", **body)


def test_image_and_flavor_come_from_the_response():
    found = server(image={"id": "img-1", "links": []}, flavor=FLAVOR)
    assert _image_id(found) == "img-1"
    flavor = _flavor(found, {"m1.nano": "f-1"})
    assert (flavor.id, flavor.name, flavor.vcpus, flavor.ram, flavor.disk) == ("f-1", "m1.nano", 1, 128, 1)


def test_server_booted_from_volume_has_no_image():
    assert _image_id(server(image="", flavor=FLAVOR)) is None


def test_server_without_flavor():
    assert _flavor(server(image=""), {}) is None


def test_older_compute_api_flavor_has_a_name():
    found = server(flavor={"name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20})
    assert _flavor(found, {"m1.small": "f-2"}).id == "f-2"


def test_fallback_reads_resource_attributes():
    # No `_body`: the attributes, openstacksdk resources, are read instead.
    found = SimpleNamespace(image=Image(id="img-2"), flavor=Flavor(**FLAVOR))
    assert _image_id(found) == "img-2"
    assert _nested(found, "flavor")["vcpus"] == 1
    assert _flavor(found, {}).name == "m1.nano"


def test_missing_values_read_as_empty():
    assert _nested(SimpleNamespace(image=None), "image") == {}
