"""Filters, sort order and pages of instance lists, and the bulk helpers, without a cloud."""

from __future__ import annotations

import contextvars
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from perspective.errors import InvalidRequest, NotFound
from perspective.models.bulk import BulkResult
from perspective.models.instances import Address, Instance, InstanceQuery
from perspective.services import bulk
from perspective.openstack import Scope
from perspective.services.instances import _page, canonical_id, list_project_instances
from perspective.services.inventory_store import Listing


def instance(
    instance_id: str,
    name: str,
    day: int,
    region: str = "R1",
    zone: str | None = "nova",
    addresses: list[str] = (),
    status: str = "ACTIVE",
    tags: list[str] = (),
) -> Instance:
    return Instance(
        id=instance_id,
        name=name,
        status=status,
        tags=list(tags),
        availability_zone=zone,
        addresses={"net": [Address(addr=address, version=6 if ":" in address else 4) for address in addresses]},
        created=datetime(2026, 1, day, tzinfo=timezone.utc),
        region=region,
        cloud="c",
    )


FLEET = [
    instance("i1", "web-b", 3, addresses=["10.0.0.5"], tags=["web"]),
    instance("i2", "Web-a", 1, region="R2", zone=None, addresses=["2001:db8::5"], tags=["web", "prod"]),
    instance("i3", "db", 2, addresses=["10.0.1.7", "172.24.4.9"], status="SHUTOFF"),
    instance("i4", "web-c", 2, zone=None),
]


# The same fleet as the inventory stores it: pages of it come from a cached
# sorted copy instead of a sort per request, and must not differ.
STORED = Listing(FLEET)


@pytest.fixture(params=["plain", "stored"])
def fleet(request) -> list[Instance]:
    return FLEET if request.param == "plain" else STORED


def ids(query: InstanceQuery) -> list[str]:
    page = [item.id for item in _page(FLEET, query).items]
    # Twice: the first request sorts the stored listing, the second reuses it.
    assert [item.id for item in _page(STORED, query).items] == page
    assert [item.id for item in _page(STORED, query).items] == page
    return page


def test_default_sort_newest_first():
    assert ids(InstanceQuery()) == ["i1", "i3", "i4", "i2"]


def test_sort_ties_broken_by_region_then_id():
    assert ids(InstanceQuery(sort="created")) == ["i2", "i3", "i4", "i1"]


def test_sort_name_ignores_case():
    assert ids(InstanceQuery(sort="name")) == ["i3", "i2", "i1", "i4"]


@pytest.mark.parametrize("sort", ["availability_zone", "-availability_zone"])
def test_missing_values_sort_last(sort):
    assert ids(InstanceQuery(sort=f"{sort},id"))[-2:] == ["i2", "i4"]


def test_filter_name_contains():
    assert ids(InstanceQuery(name="WEB", sort="id")) == ["i1", "i2", "i4"]


def test_filter_ip_matches_floating_and_v6():
    assert ids(InstanceQuery(ip="172.24.4.9")) == ["i3"]
    assert ids(InstanceQuery(ip="10.0.0.0/16", sort="id")) == ["i1", "i3"]
    assert ids(InstanceQuery(ip="2001:db8::/64")) == ["i2"]


def test_filter_status_and_tags_combine():
    assert ids(InstanceQuery(tag=["web", "prod"])) == ["i2"]
    assert ids(InstanceQuery(status=["shutoff", "active"], tag=["web"], sort="id")) == ["i1", "i2"]


def test_pages_and_next_marker(fleet):
    first = _page(fleet, InstanceQuery(limit=3))
    assert [item.id for item in first.items] == ["i1", "i3", "i4"]
    assert first.next_marker == "i4"
    last = _page(fleet, InstanceQuery(limit=3, marker="i4"))
    assert [item.id for item in last.items] == ["i2"]
    assert last.next_marker is None


def test_filtered_pages_follow_the_marker(fleet):
    first = _page(fleet, InstanceQuery(name="web", sort="name", limit=2))
    assert [item.id for item in first.items] == ["i2", "i1"]
    assert first.next_marker == "i1"
    rest = _page(fleet, InstanceQuery(name="web", sort="name", limit=2, marker="i1"))
    assert [item.id for item in rest.items] == ["i4"]
    assert rest.next_marker is None


def test_exact_page_has_no_next(fleet):
    assert _page(fleet, InstanceQuery(limit=4)).next_marker is None


def test_marker_filtered_out_400(fleet):
    with pytest.raises(InvalidRequest) as raised:
        _page(fleet, InstanceQuery(name="web", marker="i3"))
    assert raised.value.field == "marker"


def test_new_listing_is_sorted_again():
    # A sync stores a new listing; its pages must show the new data even
    # though an older listing with the same sort order was cached.
    assert [item.id for item in _page(STORED, InstanceQuery(sort="name")).items][0] == "i3"
    renamed = Listing([instance("i3", "zz-db", 2, status="SHUTOFF"), *FLEET[:2], FLEET[3]])
    assert [item.id for item in _page(renamed, InstanceQuery(sort="name")).items] == ["i2", "i1", "i4", "i3"]


@pytest.mark.parametrize(
    "query",
    [{"sort": "name,,id"}, {"sort": "-ram"}, {"status": ["BOOTING"]}, {"ip": "10.0.0.300"}, {"limit": 0}],
)
def test_invalid_query_rejected(query):
    with pytest.raises(ValidationError):
        InstanceQuery(**query)


def test_canonical_id_spellings():
    expected = "6f1c2b1e-2a4f-4a4e-9a53-1d2b3c4d5e6f"
    assert canonical_id(expected.upper()) == expected
    assert canonical_id(expected.replace("-", "")) == expected
    assert canonical_id("../flavors") is None


def test_unique_keeps_first_order():
    assert bulk.unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [([202, 202], 202), ([200], 200), ([404, 404], 404), ([202, 404], 207), ([200, 202], 207)],
)
def test_response_status(statuses, expected):
    results = [BulkResult(id=str(number), status=status) for number, status in enumerate(statuses)]
    assert bulk.response_status(results) == expected


def test_run_per_id_keeps_order_and_failures():
    def call(item_id: str) -> str:
        if item_id == "missing":
            raise NotFound("missing not found")
        return item_id.upper()

    results = bulk.run_per_id(["a", "missing", "b"], call, lambda item_id, error: f"{error.status}")
    assert results == ["A", "404", "B"]


def test_run_per_id_carries_context():
    request = contextvars.ContextVar("request", default=None)
    request.set("req-1")
    assert bulk.run_per_id(["x", "y"], lambda item_id: request.get(), lambda *args: None) == ["req-1", "req-1"]


class StoredRegions:
    """An InstanceSource that serves each region's stored listing, as the inventory does."""

    def __init__(self, listings: dict[str, list[Instance]]) -> None:
        self.listings = {region: Listing(items) for region, items in listings.items()}

    def list_instances(self, scope, query):
        return self.listings[scope.region]


def project_services(regions: list[str]):
    def in_project_regions(project_id, call):
        items = []
        for region in regions:
            items.extend(call(None, Scope("c", region, project_id)))
        return items, []

    return SimpleNamespace(in_project_regions=in_project_regions)


def test_project_list_merges_stored_regions():
    source = StoredRegions({"R1": [FLEET[0], FLEET[2], FLEET[3]], "R2": [FLEET[1]]})
    services = project_services(["R1", "R2"])
    query = InstanceQuery(sort="name", limit=3)
    for _ in range(2):
        page = list_project_instances(services, source, "p", query)
        assert [item.id for item in page.items] == ["i3", "i2", "i1"]
        assert page.next_marker == "i1"
    rest = list_project_instances(services, source, "p", InstanceQuery(sort="name", limit=3, marker="i1"))
    assert [item.id for item in rest.items] == ["i4"]


def test_project_list_sees_one_region_synced_again():
    source = StoredRegions({"R1": [FLEET[0], FLEET[2], FLEET[3]], "R2": [FLEET[1]]})
    services = project_services(["R1", "R2"])
    query = InstanceQuery(sort="name")
    assert [item.id for item in list_project_instances(services, source, "p", query).items] == ["i3", "i2", "i1", "i4"]
    source.listings["R2"] = Listing([instance("i2", "zz-web", 1, region="R2")])
    assert [item.id for item in list_project_instances(services, source, "p", query).items] == ["i3", "i1", "i4", "i2"]
