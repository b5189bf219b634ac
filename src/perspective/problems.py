"""RFC 9457 problem-details responses for every error, and their handlers.

No response built here contains a Python traceback or a request's input
values: validation errors name the field and the rule, not what was sent,
because that may be a private key or a token.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from perspective.errors import PerspectiveError, RegionsFailed, Unauthenticated
from perspective.models.problems import FieldError, Problem

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_RESPONSES",
    "install_problem_handlers",
    "problem_doc",
    "problem_response",
]

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_doc(description: str) -> dict:
    """Return an OpenAPI `responses` entry for a problem-details error."""
    return {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": description}


# The error statuses every endpoint can return, for the OpenAPI document:
# any call into OpenStack may be refused as invalid, forbidden or in conflict.
PROBLEM_RESPONSES: dict[int | str, dict] = {
    400: problem_doc("Invalid parameter value, or OpenStack rejected the request as invalid"),
    401: problem_doc("Missing or invalid bearer token"),
    403: problem_doc("OpenStack's policy forbids the action for the configured user"),
    404: problem_doc("Unknown project, region or resource"),
    409: problem_doc("The resource's state does not allow the action"),
    422: problem_doc("Invalid request"),
    502: problem_doc("A cloud failed or rejected the configured credentials"),
    504: problem_doc("A cloud timed out"),
}


class ProblemResponse(JSONResponse):
    """A JSON response with the problem-details media type."""

    media_type = PROBLEM_MEDIA_TYPE


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> ProblemResponse:
    """Return a problem as an `application/problem+json` response."""
    return ProblemResponse(
        problem.model_dump(exclude_none=True), status_code=problem.status, headers=headers
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Turn every error the app raises into a problem-details response."""
    app.add_exception_handler(PerspectiveError, _perspective_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected_error)


async def _perspective_error(request: Request, exc: PerspectiveError) -> ProblemResponse:
    if exc.status >= 500:
        logger.warning("%s %s failed with %d: %s", request.method, request.url.path, exc.status, exc.detail)

    problem = Problem(
        type=exc.type,
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        instance=request.url.path,
        cloud=exc.cloud,
        region=exc.region,
    )
    if exc.field:
        problem.errors = [FieldError(field=exc.field, message=exc.detail)]
    if isinstance(exc, RegionsFailed):
        problem.failed_regions = exc.failed_regions

    headers = None
    if isinstance(exc, Unauthenticated):
        headers = {"WWW-Authenticate": exc.challenge}
    return problem_response(problem, headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> ProblemResponse:
    errors = [_field_error(error) for error in exc.errors()]
    fields = ", ".join(error.field for error in errors)
    problem = Problem(
        type="urn:perspective:problem:invalid-request",
        title="Unprocessable Content",
        status=422,
        detail=f"invalid request: {fields}",
        instance=request.url.path,
        errors=errors,
    )
    return problem_response(problem)


def _field_error(error: dict) -> FieldError:
    # FastAPI reports a body that is not JSON at ("body", <character offset>),
    # which would read as a field named after a number.
    if error.get("type") == "json_invalid":
        position = error["loc"][-1] if len(error["loc"]) > 1 else None
        where = f" at character {position}" if isinstance(position, int) else ""
        return FieldError(field="body", message=f"the request body is not valid JSON{where}: {error['msg']}")
    return FieldError(field=".".join(str(part) for part in error["loc"]), message=error["msg"])


async def _http_exception(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    status = HTTPStatus(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else status.description
    problem = Problem(
        title=status.phrase, status=exc.status_code, detail=detail, instance=request.url.path
    )
    return problem_response(problem, getattr(exc, "headers", None))


async def _unexpected_error(request: Request, exc: Exception) -> ProblemResponse:
    logger.error(
        "%s %s failed with an unexpected error",
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    problem = Problem(
        title="Internal Server Error",
        status=500,
        detail="internal error; the server log has the details",
        instance=request.url.path,
    )
    return problem_response(problem)
