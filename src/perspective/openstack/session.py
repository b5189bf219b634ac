"""The keystoneauth1 session behind every OpenStack connection of Perspective.

It applies four rules to each HTTP request openstacksdk sends:

- a connect timeout and a read timeout from Perspective's settings;
- retries with exponential backoff (keystoneauth1's, from 0.5 s) on
  connection failures, timeouts and 502/503/504, but only for reads
  (GET, HEAD) and token requests. Any other request is sent once, because
  a reboot sent twice is two reboots;
- the id of the API request being served as OpenStack's global request id
  (`X-OpenStack-Request-ID`), so the clouds' logs can be matched with ours;
- Prometheus counters and latencies per cloud, region and service.

Expired or revoked tokens are renewed by keystoneauth1 itself: on a 401 it
fetches a new token and sends the request once more.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import session as ks_session

from perspective import context, metrics

__all__ = ["PerspectiveSession"]

logger = logging.getLogger(__name__)

RETRY_METHODS = frozenset({"GET", "HEAD"})
RETRY_STATUS_CODES = [502, 503, 504]
POOL_SIZE = 64


class PerspectiveSession(ks_session.Session):
    """A keystoneauth1 Session with Perspective's timeouts, retries and metrics.

    openstacksdk builds it through OpenStackConfig's `session_constructor`,
    so the settings arrive as keyword arguments bound with functools.partial.
    """

    def __init__(
        self,
        *args: Any,
        connect_timeout: float,
        read_timeout: float,
        read_retries: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Bulk actions and fan-outs send many requests at once through one
        # session. With requests' default pool of 10 connections per host,
        # every request past the tenth would open and drop a connection.
        current = self.session.get_adapter("https://")
        adapter = ks_session.TCPKeepAliveAdapter(
            pool_maxsize=POOL_SIZE,
            tls_ciphers=getattr(current, "tls_ciphers", None),
            tls_min_version=getattr(current, "tls_min_version", None),
        )
        for scheme in ("http://", "https://"):
            self.mount(scheme, adapter)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.read_retries = read_retries
        self.metric_labels: tuple[str, str] = ("", "")
        """Cloud and region names for the metrics, set by the connection's owner."""

    def request(self, url: str, method: str, **kwargs: Any):  # type: ignore[override]
        retries = self.read_retries if self._may_retry(method, kwargs) else 0
        kwargs["connect_retries"] = retries
        kwargs["status_code_retries"] = retries
        kwargs["retriable_status_codes"] = RETRY_STATUS_CODES
        kwargs["timeout"] = (self.connect_timeout, self.read_timeout)
        if not kwargs.get("global_request_id"):
            kwargs["global_request_id"] = context.request_id.get()

        cloud, region, service = self._labels(kwargs)
        started = time.perf_counter()
        try:
            response = super().request(url, method, **kwargs)
        except ksa_exceptions.HttpError as exc:
            self._count(cloud, region, service, method, str(exc.http_status), started)
            raise
        except ksa_exceptions.ClientException as exc:
            kind = "timeout" if isinstance(exc, ksa_exceptions.ConnectTimeout) else "connection"
            self._count(cloud, region, service, method, kind, started)
            raise

        self._count(cloud, region, service, method, str(response.status_code), started)
        return response

    @staticmethod
    def _may_retry(method: str, kwargs: dict[str, Any]) -> bool:
        # Token requests are POSTs without a token; asking for a token twice
        # changes nothing in the cloud.
        token_request = kwargs.get("authenticated") is False
        return method.upper() in RETRY_METHODS or token_request

    def _labels(self, kwargs: dict[str, Any]) -> tuple[str, str, str]:
        cloud, region = self.metric_labels
        endpoint_filter = kwargs.get("endpoint_filter") or {}
        region = endpoint_filter.get("region_name") or region
        # Only Keystone requests (tokens, discovery) carry no service type.
        service = endpoint_filter.get("service_type") or "identity"
        return cloud, region, service

    @staticmethod
    def _count(
        cloud: str, region: str, service: str, method: str, status: str, started: float
    ) -> None:
        elapsed = time.perf_counter() - started
        metrics.upstream_requests.labels(cloud, region, service, method.upper(), status).inc()
        metrics.upstream_request_seconds.labels(cloud, region, service).observe(elapsed)

        if not status.isdigit():
            metrics.upstream_errors.labels(cloud, region, service, status).inc()
        elif status.startswith("5"):
            metrics.upstream_errors.labels(cloud, region, service, "http_5xx").inc()
