"""Prometheus counters of Perspective's own requests and of its calls to OpenStack.

Served at `/metrics` in the Prometheus text format. Labels carry cloud,
region and service names, never ids, so their number stays bounded.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = [
    "REGISTRY",
    "api_requests",
    "api_request_seconds",
    "upstream_errors",
    "upstream_request_seconds",
    "upstream_requests",
]

REGISTRY = CollectorRegistry()

# Buckets from 5 ms to 30 s, because a warm list takes milliseconds and a
# cloud that times out takes the whole request timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

api_requests = Counter(
    "perspective_api_requests",
    "Requests Perspective answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
api_request_seconds = Histogram(
    "perspective_api_request_seconds",
    "Time Perspective took to answer, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
upstream_requests = Counter(
    "perspective_upstream_requests",
    "HTTP requests sent to OpenStack, by cloud, region, service, method and status.",
    ["cloud", "region", "service", "method", "status"],
    registry=REGISTRY,
)
upstream_errors = Counter(
    "perspective_upstream_errors",
    "OpenStack requests that failed without an HTTP answer or with a 5xx, by kind.",
    ["cloud", "region", "service", "kind"],
    registry=REGISTRY,
)
upstream_request_seconds = Histogram(
    "perspective_upstream_request_seconds",
    "Latency of HTTP requests to OpenStack, retries included.",
    ["cloud", "region", "service"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
