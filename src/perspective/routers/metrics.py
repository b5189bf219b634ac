"""Prometheus metrics of Perspective and of its calls to OpenStack."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from perspective.metrics import REGISTRY

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Read request counters and latencies in the Prometheus text format",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
def read_metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
