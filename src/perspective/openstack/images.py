"""Glance: images of one region, and the Nova servers booted from them.

Reads and JSON patches go through the Glance proxy of the openstacksdk
connection and keep Glance's own JSON. openstacksdk's Image resource renames
and converts some free-form properties (it turns `hw_vif_multiqueue_enabled`
into a bool, and maps a patch path `/is_protected` to `/protected`), so the
resource would not round-trip properties exactly. Creating, uploading and
deleting use the resource.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from typing import Any, BinaryIO
from urllib.parse import quote

from openstack import exceptions as sdk_exceptions
from openstack.image.v2.image import Image as SdkImage

from perspective.errors import ContentTooLarge, Forbidden
from perspective.models.images import Image
from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack.errors import openstack_errors

__all__ = [
    "JSON_PATCH_MEDIA_TYPE",
    "delete_image",
    "get_image",
    "list_images",
    "patch_image",
    "servers_booted_from",
    "upload_image",
]

logger = logging.getLogger(__name__)

# Glance's media type for JSON patches in which `add` replaces an existing
# property; the older v2.0 type rejects that with 409.
JSON_PATCH_MEDIA_TYPE = "application/openstack-images-v2.1-json-patch"

# Fields of Glance's image JSON that are not free-form properties: the
# fields the Image model has, and links and locations that it leaves out.
CORE_FIELDS = frozenset(Image.model_fields) - {"properties", "region", "cloud"}
LINK_FIELDS = frozenset({"self", "file", "schema", "direct_url", "locations"})

MAX_REASON_LENGTH = 300
MAX_SERVERS_NAMED = 10


def list_images(
    clouds: Clouds,
    scope: Scope,
    filters: Mapping[str, str | list[str]],
    marker: str | None,
    count: int,
) -> list[Image]:
    """List up to `count` images after `marker`, in Glance's order.

    `filters` are Glance's query parameters (`visibility`, `sort`, `tag`, …).
    Glance caps each response at its `api_limit_max`, so this follows its
    pages until `count` images are in or none are left.
    """
    found: list[dict[str, Any]] = []
    with openstack_errors(scope.cloud, scope.region):
        proxy = clouds.connect(scope).image
        while len(found) < count:
            params: dict[str, Any] = {**filters, "limit": count - len(found)}
            if marker is not None:
                params["marker"] = marker
            response = proxy.get("/images", params=params)
            sdk_exceptions.raise_from_response(response)
            body = response.json()
            page = body.get("images") or []
            found.extend(page)
            if not page or not body.get("next"):
                break
            marker = page[-1]["id"]
    return [_to_model(image, scope) for image in found[:count]]


def get_image(clouds: Clouds, scope: Scope, image_id: str) -> Image | None:
    """Return an image, or None when Glance does not show it to the scope's project."""
    with openstack_errors(scope.cloud, scope.region):
        response = clouds.connect(scope).image.get(_path(image_id))
        if response.status_code == 404:
            return None
        sdk_exceptions.raise_from_response(response)
        return _to_model(response.json(), scope)


def patch_image(clouds: Clouds, scope: Scope, image_id: str, operations: list[dict[str, Any]]) -> Image:
    """Apply a JSON patch (RFC 6902, as Glance supports it) to an image in one request."""
    with _image_errors(scope, image_id, "modify"):
        response = clouds.connect(scope).image.patch(
            _path(image_id),
            json=operations,
            headers={"Content-Type": JSON_PATCH_MEDIA_TYPE},
        )
        sdk_exceptions.raise_from_response(response)
        image = _to_model(response.json(), scope)
    logger.info(
        "cloud %s region %s project %s: modified image %s (%s)",
        scope.cloud,
        scope.region,
        scope.project_id,
        image_id,
        ", ".join(f"{operation['op']} {operation['path']}" for operation in operations),
    )
    return image


def delete_image(clouds: Clouds, scope: Scope, image_id: str) -> None:
    """Delete an image; raises NotFound when it is gone."""
    with _image_errors(scope, image_id, "delete"):
        clouds.connect(scope).image.delete_image(image_id, ignore_missing=False)
    logger.info(
        "cloud %s region %s project %s: deleted image %s", scope.cloud, scope.region, scope.project_id, image_id
    )


def servers_booted_from(clouds: Clouds, scope: Scope, image_id: str) -> list[str]:
    """Return the ids of up to MAX_SERVERS_NAMED servers of the scope's project booted from an image.

    Nova shows a member only its own project's servers, so servers of other
    projects that use a shared or public image are not found.
    """
    with openstack_errors(scope.cloud, scope.region):
        servers = clouds.connect(scope).compute.servers(image=image_id)
        return [server.id for server in islice(servers, MAX_SERVERS_NAMED)]


def upload_image(
    clouds: Clouds,
    scope: Scope,
    attributes: Mapping[str, Any],
    data: BinaryIO,
    size: int | None,
) -> Image:
    """Create an image and upload its data from a file-like object; return it once stored.

    `data` is read in blocks while it is sent, never whole. With `size`,
    Glance gets a Content-Length; without it, the body is sent chunked. If
    anything fails after the image was created, the image is deleted
    before the error is raised.
    """
    with _image_errors(scope, None, "create"):
        proxy = clouds.connect(scope).image
        image = SdkImage.new(**attributes).create(proxy)
    logger.info(
        "cloud %s region %s project %s: created image %s (%r), uploading %s",
        scope.cloud,
        scope.region,
        scope.project_id,
        image.id,
        attributes.get("name"),
        f"{size} bytes" if size is not None else "data of unknown size",
    )

    try:
        with _image_errors(scope, image.id, "upload data to"):
            # Set directly: Image.upload(data=…) tests the object's truth,
            # which is False for an empty sized body.
            image.data = data if size is None else _SizedBody(data, size)
            response = image.upload(proxy, size=size)
            sdk_exceptions.raise_from_response(response)
        stored = get_image(clouds, scope, image.id)
    except BaseException:
        _discard(clouds, scope, image.id)
        raise

    if stored is None:
        raise Forbidden(
            f"cloud {scope.cloud} region {scope.region}: image {image.id} was uploaded"
            f" but project {scope.project_id} cannot see it",
            cloud=scope.cloud,
            region=scope.region,
        )
    logger.info(
        "cloud %s region %s project %s: image %s stored, %s bytes, status %s",
        scope.cloud,
        scope.region,
        scope.project_id,
        stored.id,
        stored.size,
        stored.status,
    )
    return stored


class _SizedBody:
    """A file-like object with a length, so that requests sends Content-Length.

    It has no `tell`, because requests subtracts the position `tell` reports
    from the length and would then send the body chunked.
    """

    def __init__(self, source: BinaryIO, size: int) -> None:
        self._source = source
        self._size = size

    def read(self, size: int = -1) -> bytes:
        return self._source.read(size)

    def __len__(self) -> int:
        return self._size


def _discard(clouds: Clouds, scope: Scope, image_id: str) -> None:
    try:
        with openstack_errors(scope.cloud, scope.region):
            clouds.connect(scope).image.delete_image(image_id, ignore_missing=True)
    except Exception as exc:  # noqa: BLE001 - the upload's own error matters more
        logger.error(
            "cloud %s region %s project %s: image %s from a failed upload could not be deleted: %s",
            scope.cloud,
            scope.region,
            scope.project_id,
            image_id,
            getattr(exc, "detail", exc),
        )
    else:
        logger.info(
            "cloud %s region %s project %s: deleted image %s after its upload failed",
            scope.cloud,
            scope.region,
            scope.project_id,
            image_id,
        )


@contextmanager
def _image_errors(scope: Scope, image_id: str | None, action: str) -> Iterator[None]:
    """Translate errors like `openstack_errors`, naming the image and the action in a 403 or 413.

    For one image, Glance's 403 means its policy denies this project this
    action on this image (another project's image, or a protected one), and
    its 413 means a quota or size cap, not a failing cloud.
    """
    what = f"image {image_id}" if image_id else "an image"
    where = f"cloud {scope.cloud} region {scope.region}"
    with openstack_errors(scope.cloud, scope.region):
        try:
            yield
        except sdk_exceptions.ForbiddenException as exc:
            raise Forbidden(
                f"{where}: Glance does not allow project {scope.project_id} to {action} {what}: {_reason(exc)}",
                cloud=scope.cloud,
                region=scope.region,
            ) from exc
        except sdk_exceptions.HttpException as exc:
            if exc.status_code != 413:
                raise
            raise ContentTooLarge(
                f"{where}: Glance rejected the request to {action} {what} as too large: {_reason(exc)}",
                cloud=scope.cloud,
                region=scope.region,
            ) from exc


def _to_model(body: Mapping[str, Any], scope: Scope) -> Image:
    core = {name: body[name] for name in CORE_FIELDS if body.get(name) is not None}
    properties = {
        name: value
        for name, value in body.items()
        if name not in CORE_FIELDS and name not in LINK_FIELDS
    }
    return Image(**core, properties=properties, region=scope.region, cloud=scope.cloud)


def _path(image_id: str) -> str:
    return f"/images/{quote(image_id, safe='')}"


def _reason(exc: sdk_exceptions.HttpException) -> str:
    text = " ".join(str(exc.details or exc.message).split())
    if len(text) > MAX_REASON_LENGTH:
        return text[: MAX_REASON_LENGTH - 1] + "…"
    return text
