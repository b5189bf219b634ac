"""Images of a project: list, show, modify, delete and upload."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.requests import ClientDisconnect

from perspective.errors import ContentTooLarge, InvalidRequest
from perspective.models.images import (
    IMAGE_ID_PATTERN,
    Image,
    ImageList,
    ImageResults,
    ImagesDelete,
    ImagesUpdate,
    ImageUpload,
)
from perspective.problems import PROBLEM_MEDIA_TYPE, PROBLEM_RESPONSES, problem_doc
from perspective.routers.dependencies import ProjectId, RegionId, ServicesDep
from perspective.models.freshness import FreshImageListQuery
from perspective.routers.freshness import finish, inventory_of
from perspective.services import bulk, images, inventory_images
from perspective.services.inventory import ListReport
from perspective.services.body_pipe import BodyPipe

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["images"], responses=PROBLEM_RESPONSES)

ImageIdPath = Annotated[str, Path(pattern=IMAGE_ID_PATTERN, description="Glance image id (a UUID).")]
RegionFilter = Annotated[
    str | None,
    Query(description="Look for the images in this region only; unset means every enabled region."),
]


def _bulk_doc(description: str) -> dict:
    # Either problem details, when the request as a whole failed, or the
    # per-id results, when every id failed with this status.
    return {"model": ImageResults, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": description}


BULK_RESPONSES: dict[int | str, dict] = {
    200: {"description": "Every image succeeded; `results` has one entry per distinct id."},
    207: {"model": ImageResults, "description": "Some images failed, or they failed with different statuses."},
    400: _bulk_doc("Invalid request, or Glance rejected the change of every image"),
    403: _bulk_doc("Glance's policy forbids the action on every image"),
    404: _bulk_doc("Unknown project or region, or no image found"),
    409: _bulk_doc("Every image is in a state that does not allow the action (protected, in use)"),
    413: _bulk_doc("A Glance quota rejected the change of every image"),
    500: _bulk_doc("Every image failed with an internal error; the server log has the details"),
    502: _bulk_doc("A cloud failed for every image"),
    504: _bulk_doc("A cloud timed out for every image"),
}


@router.get(
    "/projects/{project_id}/images",
    response_model=ImageList,
    summary="List the images a project can use, in every enabled region",
    description=(
        "The project's own images, public and community images, and images shared with it"
        " (with `visibility=all`, the default). Regions are asked in parallel; a region that"
        " fails is reported in `errors`. Pages merge the regions in the `sort` order; follow"
        " `next` for the next page."
    ),
    responses={400: problem_doc("Invalid marker")},
)
def list_images(
    project_id: ProjectId,
    query: Annotated[FreshImageListQuery, Query()],
    request: Request,
    response: Response,
    services: ServicesDep,
) -> ImageList:
    report = ListReport()
    inventory = inventory_of(request)
    if query.fresh or inventory is None or not inventory.settings.images:
        report.read_now()
        page = images.list_images(services, project_id, query)
    else:
        page = inventory_images.list_images(services, inventory, project_id, query, report)
    next_url = None
    if page.next_marker is not None:
        next_url = str(request.url.include_query_params(marker=page.next_marker))
    return finish(ImageList(items=page.items, errors=page.errors, next=next_url), report, response)


@router.get(
    "/projects/{project_id}/images/{image_id}",
    response_model=Image,
    summary="Show an image, from the enabled region that has it",
)
def show_image(
    project_id: ProjectId, image_id: ImageIdPath, services: ServicesDep, region: RegionFilter = None
) -> Image:
    return images.get_image(services, project_id, image_id, region)


@router.put(
    "/projects/{project_id}/images",
    response_model=ImageResults,
    summary="Modify images: name, visibility, protection, minimums, tags and properties",
    description=(
        "Each image gets all of its changes in one JSON patch, so an image either takes every"
        " change or none. Invalid input is rejected with 422 before any image is touched."
    ),
    responses=BULK_RESPONSES,
)
def update_images(
    project_id: ProjectId, body: ImagesUpdate, services: ServicesDep, region: RegionFilter = None
) -> JSONResponse:
    results = images.update_images(services, project_id, body, region)
    return _bulk_response(results)


@router.delete(
    "/projects/{project_id}/images",
    response_model=ImageResults,
    summary="Delete images",
    description=(
        "Ids come in the body, or as `?id=…&id=…` for clients that cannot send a body with"
        " DELETE. An image of the project that is protected, or that servers of the project"
        " were booted from (unless `force`), is reported with 409 and kept, and the other"
        " images are still deleted. Glance's policy decides on other projects' images."
    ),
    responses=BULK_RESPONSES,
)
def delete_images(
    project_id: ProjectId,
    services: ServicesDep,
    body: Annotated[ImagesDelete | None, Body()] = None,
    ids: Annotated[list[str] | None, Query(alias="id", description="Image ids, when the request has no body.")] = None,
    force: Annotated[bool | None, Query(description="As `force` in the body.")] = None,
    region: RegionFilter = None,
) -> JSONResponse:
    if body is not None and (ids or force is not None):
        raise InvalidRequest("send the ids and force either in the body or in the query, not both", field="id")
    if body is None:
        body = _delete_from_query(ids or [], bool(force))
    results = images.delete_images(services, project_id, body, region)
    return _bulk_response(results)


@router.post(
    "/projects/{project_id}/regions/{region}/images",
    response_model=Image,
    status_code=201,
    summary="Upload an image into one region",
    description=(
        "The request body is the image data, streamed into Glance as it arrives. With"
        " Content-Length, a body over the size limit is rejected before any of it is read;"
        " without it (chunked), the upload stops at the limit. The image is deleted again"
        " if the upload fails."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses={
        413: problem_doc("The image data is larger than the upload limit or a Glance quota"),
        403: problem_doc("Glance does not allow the project to create this image"),
    },
)
async def upload_image(
    project_id: ProjectId,
    region: RegionId,
    metadata: Annotated[ImageUpload, Query()],
    request: Request,
    services: ServicesDep,
    content_length: Annotated[int | None, Header(ge=0, include_in_schema=False)] = None,
) -> JSONResponse:
    max_size = images.max_upload_size(services.settings)
    if content_length is not None and content_length > max_size:
        raise ContentTooLarge(f"the image data has {content_length} bytes; the limit is {max_size} bytes")

    pipe = BodyPipe(read_timeout=services.settings.request_timeout)
    upload = asyncio.ensure_future(
        run_in_threadpool(images.upload_image, services, project_id, region, metadata, pipe, content_length)
    )
    try:
        await _stream_body(request, pipe, max_size, f"project {project_id} region {region}")
    except BaseException as exc:
        pipe.abort(exc)
        raise
    finally:
        # Every way out of _stream_body finishes or aborts the pipe, or finds it
        # closed by the worker, so the worker never waits for data that cannot come.
        image = await upload

    return JSONResponse(
        image.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/projects/{project_id}/images/{image.id}"},
    )


async def _stream_body(request: Request, pipe: BodyPipe, max_size: int, where: str) -> None:
    """Write the request body into `pipe` as it arrives, up to `max_size` bytes."""
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_size:
                logger.info("%s: image upload stopped at the limit of %d bytes", where, max_size)
                pipe.abort(ContentTooLarge(f"the image data exceeds the limit of {max_size} bytes"))
                return
            if not await pipe.write(chunk):
                # The upload ended early; its error becomes the response.
                return
    except ClientDisconnect:
        logger.info("%s: client disconnected after %d bytes of image data", where, received)
        pipe.abort(InvalidRequest("the client closed the connection before the image data ended"))
        return
    pipe.finish()


def _delete_from_query(ids: list[str], force: bool) -> ImagesDelete:
    try:
        return ImagesDelete(ids=ids, force=force)
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", "id", *error["loc"][1:])} for error in exc.errors()]
        raise RequestValidationError(errors) from None


def _bulk_response(results: ImageResults) -> JSONResponse:
    return JSONResponse(results.model_dump(mode="json"), status_code=bulk.response_status(results.results))
