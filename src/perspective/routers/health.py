"""Liveness check, open to every caller."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from perspective import __version__

__all__ = ["router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Liveness status. Computing it sends no request to any cloud."""

    status: str
    version: str


@router.get("/health", response_model=Health, summary="Check that Perspective is running")
def health() -> Health:
    return Health(status="ok", version=__version__)
