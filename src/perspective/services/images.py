"""Images of a project across its regions: list, show, modify, delete and upload.

An image id names one image in one region. Show, modify and delete look
the id up in the project's enabled regions, in their order, and act on the
first region that has it. The `region` parameter narrows the lookup to one
region.

Modify and delete are bulk actions with one result per distinct id, as
`services.bulk` runs them. A done id has status 200, not 202, because
Glance applies both actions before it responds, so the response status is
200 when every id succeeded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from perspective.errors import Conflict, InvalidRequest, NotFound, PerspectiveError, RegionsFailed
from perspective.models.common import RegionError
from perspective.models.images import (
    Image,
    ImageListQuery,
    ImageResult,
    ImageResults,
    ImagesDelete,
    ImagesUpdate,
    ImageUpload,
    parse_sort,
)
from perspective.models.projects import Project
from perspective.openstack import Scope
from perspective.openstack import images as glance
from perspective.services import bulk
from perspective.services.body_pipe import BodyPipe, BodyPipeTimeout
from perspective.services.container import Services
from perspective.services.image_pages import Cursor, decode_cursor, encode_cursor, merge_pages
from perspective.settings import Settings

__all__ = [
    "ImagePage",
    "build_patch",
    "delete_images",
    "get_image",
    "list_images",
    "max_upload_size",
    "update_images",
    "upload_image",
]

logger = logging.getLogger(__name__)

DONE = 200


@dataclass(frozen=True)
class ImagePage:
    """One page of a project's images, and the marker of the next page (None on the last)."""

    items: list[Image]
    errors: list[RegionError]
    next_marker: str | None


def list_images(services: Services, project_id: str, query: ImageListQuery) -> ImagePage:
    """List a page of the images the project can use, from every enabled region in parallel."""
    project = services.projects.get(project_id)
    if query.marker is None:
        cursor = Cursor({region: None for region in project.regions})
    else:
        cursor = decode_cursor(query.marker)
    scopes = [scope for scope in services.projects.scopes(project) if scope.region in cursor.markers]

    filters = _glance_filters(query)
    outcomes = services.fan_out.run(
        lambda scope: glance.list_images(
            services.clouds, scope, filters, cursor.markers[scope.region], query.limit + 1
        ),
        scopes,
    )

    pages = {outcome.scope.region: outcome.value for outcome in outcomes if outcome.ok}
    failures = [outcome for outcome in outcomes if not outcome.ok]
    if outcomes and not pages:
        # With no region responding, an empty page would read as "no images".
        raise RegionsFailed(
            f"every region asked for images of project {project.id} failed"
            f" ({', '.join(outcome.scope.region for outcome in failures)}): {failures[0].error.detail}",
            failures[0].error,
            [outcome.region_error() for outcome in failures],
        )
    # A 400 means Glance rejects the region's marker, typically because that
    # image was deleted since the previous page; asking again cannot help.
    retry = [outcome.scope.region for outcome in failures if outcome.error.status != 400]
    page = merge_pages(pages, cursor, retry, parse_sort(query.sort), query.limit)

    next_marker = encode_cursor(page.next_cursor) if page.next_cursor else None
    return ImagePage(
        items=page.images,
        errors=[outcome.region_error() for outcome in failures],
        next_marker=next_marker,
    )


def get_image(services: Services, project_id: str, image_id: str, region: str | None) -> Image:
    """Return an image from the first enabled region of the project that has it.

    The regions are asked in parallel. Raises NotFound when no region has
    it, and RegionsFailed when it is in none of the regions that responded
    but some failed.
    """
    project = services.projects.get(project_id)
    scopes = _scopes(services, project, region)
    outcomes = services.fan_out.run(
        lambda scope: glance.get_image(services.clouds, scope, image_id), scopes
    )
    for outcome in outcomes:
        if outcome.ok and outcome.value is not None:
            return outcome.value
    failures = [outcome for outcome in outcomes if not outcome.ok]
    raise _not_found(project, image_id, scopes, [(o.scope, o.error) for o in failures])


def update_images(services: Services, project_id: str, request: ImagesUpdate, region: str | None) -> ImageResults:
    """Apply the request's changes to each image, each in one JSON patch."""
    project = services.projects.get(project_id)
    scopes = _scopes(services, project, region)

    def update(image_id: str) -> ImageResult:
        scope, image = _locate(services, project, scopes, image_id)
        operations = build_patch(image, request)
        # NOTE: an image already in the requested state succeeds without a
        # request to Glance, even one whose changes Glance's policy would deny
        # to this project. Glance itself returns 200 for an empty patch there.
        if operations:
            glance.patch_image(services.clouds, scope, image.id, operations)
        return ImageResult(id=image_id, status=DONE, region=scope.region)

    return _run_bulk("modify", project_id, request.ids, update)


def delete_images(services: Services, project_id: str, request: ImagesDelete, region: str | None) -> ImageResults:
    """Delete each image that is not protected and, unless `force`, not used by a server.

    Those two checks apply to the project's own images. An image of another
    project goes to Glance unchecked, and Glance's policy decides.
    """
    project = services.projects.get(project_id)
    scopes = _scopes(services, project, region)

    def delete(image_id: str) -> ImageResult:
        scope, image = _locate(services, project, scopes, image_id)
        where = f"image {image.id} in region {scope.region}"
        if image.owner != project.id:
            # Glance's policy decides on another project's image, and its 403
            # explains more than a check of this project's servers would.
            glance.delete_image(services.clouds, scope, image.id)
            return ImageResult(id=image_id, status=DONE, region=scope.region)

        if image.protected:
            raise Conflict(
                f"{where} is protected; set `protected` to false first (PUT /projects/{project.id}/images)",
                cloud=scope.cloud,
                region=scope.region,
            )
        if not request.force:
            servers = glance.servers_booted_from(services.clouds, scope, image.id)
            if servers:
                raise Conflict(
                    f"{where} is in use by servers {', '.join(servers)} of project {project.id};"
                    " delete them first, or send force=true",
                    cloud=scope.cloud,
                    region=scope.region,
                )
        glance.delete_image(services.clouds, scope, image.id)
        return ImageResult(id=image_id, status=DONE, region=scope.region)

    return _run_bulk("delete", project_id, request.ids, delete)


def build_patch(image: Image, request: ImagesUpdate) -> list[dict[str, Any]]:
    """Return the JSON patch that turns `image` into the requested image.

    Fields already at the requested value produce no operation. Tags are
    replaced as a whole list, because Glance accepts no patch path inside
    `tags`; the list is computed from the tags that `image` has.
    """
    operations: list[dict[str, Any]] = []
    for field in ("name", "visibility", "protected", "min_disk", "min_ram"):
        requested = getattr(request, field)
        if requested is not None and getattr(image, field) != requested:
            operations.append({"op": "replace", "path": f"/{field}", "value": requested})

    if request.tags is not None:
        # NOTE: tags added or removed by another client between the read of
        # `image` and this patch are overwritten, because Glance accepts only
        # add, remove and replace in a patch, no `test` to guard the replacement.
        tags = _changed_tags(image.tags, request)
        if set(tags) != set(image.tags):
            operations.append({"op": "replace", "path": "/tags", "value": tags})

    if request.properties is not None:
        for name, value in request.properties.set.items():
            if image.properties.get(name) != value:
                # In Glance's v2.1 patch type, `add` creates or replaces.
                operations.append({"op": "add", "path": _pointer(name), "value": value})
        for name in request.properties.remove:
            if name in image.properties:
                operations.append({"op": "remove", "path": _pointer(name)})
    return operations


def max_upload_size(settings: Settings) -> int:
    """Return the largest image upload accepted, in bytes."""
    return settings.image_upload_max_size


def upload_image(
    services: Services,
    project_id: str,
    region: str,
    upload: ImageUpload,
    pipe: BodyPipe,
    size: int | None,
) -> Image:
    """Create an image in one region and stream its data from `pipe` into Glance.

    Runs in a worker thread while the router writes the request body into
    `pipe`, and closes `pipe` when it returns, so the router stops writing
    if the upload failed early.
    """
    try:
        project = services.projects.get_region(project_id, region)
        scope = Scope(project.cloud, region, project.id)
        attributes = upload.model_dump(exclude_none=True)
        try:
            return glance.upload_image(services.clouds, scope, attributes, pipe, size)
        except BodyPipeTimeout as exc:
            raise InvalidRequest(f"image upload to region {region} stopped: {exc}") from None
    finally:
        pipe.close()


def _glance_filters(query: ImageListQuery) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "visibility": query.visibility,
        "member_status": query.member_status,
        "sort": query.sort,
    }
    for name in ("name", "status", "owner"):
        value = getattr(query, name)
        if value is not None:
            filters[name] = value
    if query.tag:
        filters["tag"] = list(query.tag)
    return filters


def _scopes(services: Services, project: Project, region: str | None) -> list[Scope]:
    if region is not None:
        services.projects.get_region(project.id, region)
        return [Scope(project.cloud, region, project.id)]
    return services.projects.scopes(project)


def _locate(services: Services, project: Project, scopes: list[Scope], image_id: str) -> tuple[Scope, Image]:
    """Return the first region of `scopes` that has the image, and the image there."""
    failures: list[tuple[Scope, PerspectiveError]] = []
    for scope in scopes:
        try:
            image = glance.get_image(services.clouds, scope, image_id)
        except PerspectiveError as exc:
            failures.append((scope, exc))
            continue
        if image is not None:
            return scope, image
    raise _not_found(project, image_id, scopes, failures)


def _not_found(
    project: Project,
    image_id: str,
    scopes: list[Scope],
    failures: list[tuple[Scope, PerspectiveError]],
) -> PerspectiveError:
    regions = ", ".join(scope.region for scope in scopes) or "none"
    if not failures:
        return NotFound(f"image {image_id} not found in project {project.id} (regions: {regions})")

    first = failures[0][1]
    failed = [
        RegionError(cloud=scope.cloud, region=scope.region, status=error.status, reason=error.detail)
        for scope, error in failures
    ]
    return RegionsFailed(
        f"image {image_id} was not found in the regions that responded, and"
        f" {len(failures)} of {len(scopes)} regions failed: {first.detail}",
        first,
        failed,
    )


def _run_bulk(
    action: str,
    project_id: str,
    ids: Sequence[str],
    act: Callable[[str], ImageResult],
) -> ImageResults:
    def failed(image_id: str, error: PerspectiveError) -> ImageResult:
        logger.info(
            "project %s: %s image %s failed (%d): %s", project_id, action, image_id, error.status, error.detail
        )
        return ImageResult(id=image_id, status=error.status, detail=error.detail, region=error.region)

    return ImageResults(results=bulk.run_per_id(bulk.unique(ids), act, failed))


def _changed_tags(current: list[str], request: ImagesUpdate) -> list[str]:
    changes = request.tags
    if changes.set is not None:
        return list(dict.fromkeys(changes.set))
    remaining = [tag for tag in current if tag not in changes.remove]
    return remaining + [tag for tag in dict.fromkeys(changes.add) if tag not in remaining]


def _pointer(name: str) -> str:
    # JSON pointer escaping (RFC 6901), which Glance decodes.
    return "/" + name.replace("~", "~0").replace("/", "~1")
