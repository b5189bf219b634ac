"""Keypairs of the configured users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from perspective.models.keypairs import KEYPAIR_NAME_PATTERN, KeypairCreate, KeypairCreated, KeypairList
from perspective.problems import PROBLEM_RESPONSES, problem_doc
from perspective.routers.dependencies import CloudQuery, ServicesDep
from perspective.services import keypairs

__all__ = ["router"]

router = APIRouter(tags=["keypairs"], responses=PROBLEM_RESPONSES)

KeypairPathName = Annotated[
    str, Path(pattern=KEYPAIR_NAME_PATTERN, description="Keypair name.")
]


@router.get(
    "/keypairs",
    response_model=KeypairList,
    summary="List the keypairs of the configured users, merged across regions",
)
def list_keypairs(services: ServicesDep, cloud: CloudQuery = None) -> KeypairList:
    return keypairs.list_keypairs(services, cloud)


@router.post(
    "/keypairs",
    response_model=KeypairCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Import or generate a keypair in every enabled region of a cloud",
    responses={
        400: problem_doc("Several clouds are configured and `cloud` is missing or unknown"),
        409: problem_doc("The keypair already exists in a region; nothing was created"),
    },
)
def create_keypair(
    request: KeypairCreate, services: ServicesDep, cloud: CloudQuery = None
) -> KeypairCreated:
    return keypairs.create_keypair(services, request, cloud)


@router.delete(
    "/keypairs/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a keypair in every enabled region of a cloud",
)
def delete_keypair(
    name: KeypairPathName, services: ServicesDep, cloud: CloudQuery = None
) -> Response:
    keypairs.delete_keypair(services, name, cloud)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
