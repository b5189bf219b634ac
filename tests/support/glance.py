"""Images that image tests create straight in the micro-cloud's Glance, and delete again.

Tests build their fixtures with openstacksdk, not with Perspective, so that
what they check in Perspective never depends on Perspective itself. Every
image gets a unique name that starts with NAME_PREFIX, and every image a
test created is deleted after it, protected or not. Images that other
engineers' tests create are never touched.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import openstack.connection
import pytest
from openstack import exceptions as sdk_exceptions
from openstack.image.v2.image import Image as SdkImage

from tests.conftest import ALICE

logger = logging.getLogger(__name__)

NAME_PREFIX = "pt-img-"
SMALL_DATA = b"perspective image test data\n" * 64


def unique_name(label: str = "") -> str:
    """Return an image name no other test uses."""
    suffix = f"-{label}" if label else ""
    return f"{NAME_PREFIX}{uuid.uuid4().hex[:10]}{suffix}"


class ImageFactory:
    """Creates images as alice, in project dev or ops, and deletes them at teardown."""

    def __init__(self, sdk: Callable[..., openstack.connection.Connection], project_ids: dict[str, str]) -> None:
        self._sdk = sdk
        self._project_ids = project_ids
        self._created: list[tuple[str, str, str]] = []

    def connection(self, region: str, project: str = "dev") -> openstack.connection.Connection:
        """Return alice's connection scoped to a project by name."""
        return self._sdk(ALICE, region, self._project_ids[project])

    def create(
        self,
        region: str,
        *,
        project: str = "dev",
        name: str | None = None,
        visibility: str = "private",
        protected: bool = False,
        tags: list[str] | None = None,
        properties: dict[str, str] | None = None,
        data: bytes | None = SMALL_DATA,
    ) -> SdkImage:
        """Create an image (active, unless `data` is None) and return it as Glance shows it."""
        connection = self.connection(region, project)
        body: dict[str, Any] = {
            "name": name or unique_name(),
            "disk_format": "raw",
            "container_format": "bare",
            "visibility": visibility,
            "tags": tags or [],
            **(properties or {}),
        }
        response = connection.image.post("/images", json=body)
        sdk_exceptions.raise_from_response(response)
        image_id = response.json()["id"]
        self._created.append((region, project, image_id))

        if data is not None:
            image = connection.image.get_image(image_id)
            image.data = data
            sdk_exceptions.raise_from_response(image.upload(connection.image))
        if protected:
            connection.image.update_image(image_id, is_protected=True)
        return connection.image.get_image(image_id)

    def adopt(self, region: str, image_id: str, project: str = "dev") -> None:
        """Delete at teardown an image that Perspective created."""
        self._created.append((region, project, image_id))

    def get(self, region: str, image_id: str, project: str = "dev") -> SdkImage | None:
        """Return the image as Glance shows it to the project, or None when it is gone."""
        try:
            return self.connection(region, project).image.get_image(image_id)
        except sdk_exceptions.NotFoundException:
            return None

    def raw(self, region: str, image_id: str, project: str = "dev") -> dict[str, Any]:
        """Return Glance's own JSON of an image, free-form properties as Glance stores them."""
        response = self.connection(region, project).image.get(f"/images/{image_id}")
        sdk_exceptions.raise_from_response(response)
        return response.json()

    def cleanup(self) -> None:
        for region, project, image_id in reversed(self._created):
            image = self.get(region, image_id, project)
            if image is None:
                continue
            connection = self.connection(region, project)
            try:
                if image.is_protected:
                    connection.image.update_image(image_id, is_protected=False)
                connection.image.delete_image(image_id, ignore_missing=True)
            except sdk_exceptions.SDKException as exc:
                logger.warning("could not delete test image %s in %s: %s", image_id, region, exc)


@pytest.fixture
def glance_images(sdk, project_ids) -> Iterator[ImageFactory]:
    """An ImageFactory whose images are deleted after the test."""
    factory = ImageFactory(sdk, project_ids)
    yield factory
    factory.cleanup()
