"""Image lists served from the inventory, with the same filters, order and cursor as Glance's.

Each region's stored images are filtered and sorted here in Glance's
order, and the page is merged across regions by `image_pages`, so a
`next` URL works the same whether its page came from Glance or from the
inventory.
"""

from __future__ import annotations

from functools import cmp_to_key

from perspective.errors import InvalidRequest
from perspective.models.images import Image, ImageListQuery, parse_sort
from perspective.services import image_pages, images
from perspective.services.container import Services
from perspective.services.image_pages import Cursor, decode_cursor, encode_cursor, merge_pages
from perspective.services.inventory import IMAGE, Inventory, ListReport

__all__ = ["list_images"]


def list_images(
    services: Services, inventory: Inventory, project_id: str, query: ImageListQuery, report: ListReport
) -> images.ImagePage:
    """List a page of a project's images from the inventory, or from Glance when it cannot.

    The inventory stores what Glance lists with `member_status=accepted`,
    so another member status, or a region without synced data, sends the
    whole list to Glance.
    """
    if query.member_status != "accepted":
        report.read_now()
        return images.list_images(services, project_id, query)

    project = services.projects.get(project_id)
    cursor = Cursor({region: None for region in project.regions}) if query.marker is None else decode_cursor(query.marker)
    scopes = [scope for scope in services.projects.scopes(project) if scope.region in cursor.markers]
    stored = {scope: inventory.data(IMAGE, scope) for scope in scopes}
    if any(data is None for data in stored.values()):
        report.read_now()
        return images.list_images(services, project_id, query)

    sort = parse_sort(query.sort)
    # NOTE: image_pages keeps its comparator private; the inventory must
    # order exactly as a Glance page is merged, so it reuses it.
    order = cmp_to_key(image_pages._comparator(image_pages.sort_with_tiebreakers(sort)))
    pages: dict[str, list[Image]] = {}
    for scope, data in stored.items():
        report.served(scope, data)
        ordered = sorted((image for image in data.listing if _matches(image, query)), key=order)
        start = _start(ordered, cursor.markers[scope.region], scope.region)
        pages[scope.region] = ordered[start : start + query.limit + 1]

    page = merge_pages(pages, cursor, [], sort, query.limit)
    next_marker = encode_cursor(page.next_cursor) if page.next_cursor else None
    return images.ImagePage(items=page.images, errors=[], next_marker=next_marker)


def _start(ordered: list[Image], marker: str | None, region: str) -> int:
    if marker is None:
        return 0
    for position, image in enumerate(ordered):
        if image.id == marker:
            return position + 1
    # As Glance does, reject a marker that is not in the list.
    raise InvalidRequest(
        f"marker image {marker} is not in region {region}'s list: it was deleted or no longer"
        " matches the filters; start again without marker",
        field="marker",
    )


def _matches(image: Image, query: ImageListQuery) -> bool:
    if query.name is not None and image.name != query.name:
        return False
    if query.status is not None and image.status != query.status:
        return False
    if query.visibility != "all" and image.visibility != query.visibility:
        return False
    if query.owner is not None and image.owner != query.owner:
        return False
    if query.tag and not set(query.tag) <= set(image.tags):
        return False
    return True
