"""Listing and showing images across both regions of the micro-cloud."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import ALICE, REGIONS
from tests.support.glance import glance_images, unique_name  # noqa: F401 - fixture

SEEDED = ("cirros-raw", "dev-private")
# These tests check images they created a moment earlier, so they read
# Glance directly rather than the synced inventory.
FRESH = {"fresh": "true"}


def images_url(project_ids, project: str = "dev") -> str:
    return f"/projects/{project_ids[project]}/images"


def walk_pages(api, url: str, params: dict) -> list[list[dict]]:
    """Follow `next` from the first page to the last; return every page's items."""
    pages = []
    response = api.get(url, params={**FRESH, **params})
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["errors"] == []
        pages.append(body["items"])
        if body["next"] is None:
            return pages
        response = api.get(body["next"])


@pytest.fixture
def sorted_images(glance_images):
    """Three dev images sharing one new tag, spread over both regions; name suffix -> image."""
    tag = f"pt-sort-{uuid.uuid4().hex[:8]}"
    base = unique_name()
    placement = {"b": REGIONS[0], "a": REGIONS[1], "c": REGIONS[0], "d": REGIONS[1]}
    images = {
        suffix: glance_images.create(region, name=f"{base}-{suffix}", tags=[tag], data=None)
        for suffix, region in placement.items()
    }
    return tag, placement, images


def test_list_has_seeded_images_of_both_regions(api, project_ids):
    body = api.get(images_url(project_ids), params=FRESH).json()
    assert body["errors"] == []
    found = {(item["name"], item["region"]) for item in body["items"]}
    for name in SEEDED:
        for region in REGIONS:
            assert (name, region) in found
    assert {item["cloud"] for item in body["items"]} == {ALICE}


@pytest.mark.parametrize("region", REGIONS)
def test_list_matches_glance_ids(api, project_ids, sdk, region):
    glance = sdk(ALICE, region, project_ids["dev"]).image
    # Other tests create and delete images meanwhile, so compare with what
    # Glance listed just before and just after.
    before = {image.id for image in glance.images(visibility="all")}
    body = api.get(images_url(project_ids), params={**FRESH, "limit": 1000}).json()
    after = {image.id for image in glance.images(visibility="all")}
    listed = {item["id"] for item in body["items"] if item["region"] == region}
    assert before & after <= listed
    assert listed <= before | after


def test_list_hides_other_project_private_image(api, project_ids, glance_images):
    ops_image = glance_images.create(REGIONS[0], project="ops", data=None)
    body = api.get(images_url(project_ids), params={**FRESH, "name": ops_image.name}).json()
    assert body["items"] == []
    ops_body = api.get(images_url(project_ids, "ops"), params={**FRESH, "name": ops_image.name}).json()
    assert [item["id"] for item in ops_body["items"]] == [ops_image.id]


def test_list_includes_community_image(api, project_ids, glance_images):
    image = glance_images.create(REGIONS[1], project="ops", visibility="community", data=None)
    body = api.get(images_url(project_ids), params={**FRESH, "name": image.name}).json()
    assert [(item["id"], item["visibility"], item["region"]) for item in body["items"]] == [
        (image.id, "community", REGIONS[1])
    ]


def test_list_shared_image_by_member_status(api, project_ids, glance_images):
    image = glance_images.create(REGIONS[0], project="ops", visibility="shared", data=None)
    glance_images.connection(REGIONS[0], "ops").image.add_member(image.id, member_id=project_ids["dev"])

    pending = api.get(images_url(project_ids), params={**FRESH, "name": image.name}).json()
    assert pending["items"] == []
    listed = api.get(images_url(project_ids), params={**FRESH, "name": image.name, "member_status": "pending"}).json()
    assert [item["id"] for item in listed["items"]] == [image.id]

    dev = glance_images.connection(REGIONS[0], "dev")
    dev.image.update_member(project_ids["dev"], image.id, status="accepted")
    accepted = api.get(images_url(project_ids), params={**FRESH, "name": image.name}).json()
    assert [item["id"] for item in accepted["items"]] == [image.id]


def test_filter_by_name(api, project_ids):
    body = api.get(images_url(project_ids), params={**FRESH, "name": "cirros-raw"}).json()
    assert sorted(item["region"] for item in body["items"]) == list(REGIONS)
    assert {item["name"] for item in body["items"]} == {"cirros-raw"}


def test_filter_by_visibility_private(api, project_ids):
    body = api.get(images_url(project_ids), params={**FRESH, "visibility": "private"}).json()
    assert body["items"]
    assert {item["visibility"] for item in body["items"]} == {"private"}
    assert {item["owner"] for item in body["items"]} == {project_ids["dev"]}
    assert {"dev-private"} <= {item["name"] for item in body["items"]}


def test_filter_by_status(api, project_ids, glance_images):
    tag = f"pt-status-{uuid.uuid4().hex[:8]}"
    queued = glance_images.create(REGIONS[0], tags=[tag], data=None)
    active = glance_images.create(REGIONS[1], tags=[tag])
    for status, image in (("queued", queued), ("active", active)):
        body = api.get(images_url(project_ids), params={**FRESH, "tag": tag, "status": status}).json()
        assert [item["id"] for item in body["items"]] == [image.id]


def test_filter_by_tags_needs_all(api, project_ids, glance_images):
    first, second = f"pt-t1-{uuid.uuid4().hex[:8]}", f"pt-t2-{uuid.uuid4().hex[:8]}"
    both = glance_images.create(REGIONS[0], tags=[first, second], data=None)
    glance_images.create(REGIONS[1], tags=[first], data=None)
    body = api.get(images_url(project_ids), params={**FRESH, "tag": [first, second]}).json()
    assert [item["id"] for item in body["items"]] == [both.id]
    first_only = api.get(images_url(project_ids), params={**FRESH, "tag": first}).json()
    assert len(first_only["items"]) == 2


def test_sort_by_name_merges_regions(api, project_ids, sorted_images):
    tag, placement, images = sorted_images
    body = api.get(images_url(project_ids), params={**FRESH, "tag": tag, "sort": "name:asc"}).json()
    assert [item["id"] for item in body["items"]] == [images[suffix].id for suffix in "abcd"]
    assert [item["region"] for item in body["items"]] == [placement[suffix] for suffix in "abcd"]


def test_sort_by_name_descending(api, project_ids, sorted_images):
    tag, _, images = sorted_images
    body = api.get(images_url(project_ids), params={**FRESH, "tag": tag, "sort": "name:desc"}).json()
    assert [item["id"] for item in body["items"]] == [images[suffix].id for suffix in "dcba"]


def test_default_sort_newest_first(api, project_ids, sorted_images):
    tag, _, _ = sorted_images
    items = api.get(images_url(project_ids), params={**FRESH, "tag": tag}).json()["items"]
    created = [item["created_at"] for item in items]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("limit", [1, 3])
def test_pages_follow_sort_without_repeats(api, project_ids, sorted_images, limit):
    tag, _, images = sorted_images
    pages = walk_pages(api, images_url(project_ids), {"tag": tag, "sort": "name:asc", "limit": limit})
    assert all(len(page) <= limit for page in pages)
    assert [item["id"] for page in pages for item in page] == [images[suffix].id for suffix in "abcd"]
    assert len(pages) == -(-4 // limit)


def test_next_url_keeps_filters(api, project_ids, sorted_images):
    tag, _, _ = sorted_images
    body = api.get(images_url(project_ids), params={**FRESH, "tag": tag, "sort": "name:asc", "limit": 2}).json()
    assert f"tag={tag}" in body["next"]
    assert "sort=name%3Aasc" in body["next"]
    assert "marker=" in body["next"]


def test_last_page_next_is_null(api, project_ids, sorted_images):
    tag, _, _ = sorted_images
    body = api.get(images_url(project_ids), params={**FRESH, "tag": tag, "limit": 4}).json()
    assert len(body["items"]) == 4
    assert body["next"] is None


def test_invalid_marker_rejected(api, project_ids):
    response = api.get(images_url(project_ids), params={**FRESH, "marker": "not-a-marker"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "marker"


@pytest.mark.parametrize(
    "params",
    [{"sort": "owner:asc"}, {"sort": "name:up"}, {"visibility": "everyone"}, {"limit": 0}, {"status": "broken"}],
)
def test_invalid_list_parameters_422(api, project_ids, params):
    response = api.get(images_url(project_ids), params={**FRESH, **params})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_list_unknown_project_404(api):
    assert api.get("/projects/no-such-project/images").status_code == 404


def test_show_image_with_free_form_properties(api, project_ids, glance_images):
    image = glance_images.create(REGIONS[1], properties={"os_distro": "cirros", "pt_owner_team": "blue"})
    response = api.get(f"{images_url(project_ids)}/{image.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["region"] == REGIONS[1]
    assert body["cloud"] == ALICE
    assert body["properties"]["os_distro"] == "cirros"
    assert body["properties"]["pt_owner_team"] == "blue"
    assert body["checksum"] == image.checksum
    assert body["size"] == image.size
    assert "id" not in body["properties"]


def test_show_image_in_named_region(api, project_ids, glance_images):
    image = glance_images.create(REGIONS[0], data=None)
    url = f"{images_url(project_ids)}/{image.id}"
    assert api.get(url, params={**FRESH, "region": REGIONS[0]}).json()["id"] == image.id
    assert api.get(url, params={**FRESH, "region": REGIONS[1]}).status_code == 404


def test_show_other_project_image_404(api, project_ids, glance_images):
    image = glance_images.create(REGIONS[0], project="ops", data=None)
    response = api.get(f"{images_url(project_ids)}/{image.id}")
    assert response.status_code == 404
    assert image.id in response.json()["detail"]


def test_show_malformed_id_422(api, project_ids):
    assert api.get(f"{images_url(project_ids)}/not-a-uuid").status_code == 422
