"""openstacksdk and keystoneauth1 exceptions become our typed errors."""

from __future__ import annotations

import pytest
from keystoneauth1 import exceptions as ksa_exceptions

from perspective.errors import (
    CloudCredentialsRejected,
    CloudError,
    CloudTimeout,
    CloudUnreachable,
    Conflict,
    InvalidRequest,
    Forbidden,
    NotFound,
)
from perspective.openstack.errors import openstack_errors, translate_exception
from tests.unit.fakes import http_error


@pytest.mark.parametrize(
    ("status", "expected_type", "expected_status"),
    [
        (400, InvalidRequest, 400),
        (401, CloudCredentialsRejected, 502),
        (403, Forbidden, 403),
        (404, NotFound, 404),
        (409, Conflict, 409),
        (500, CloudError, 502),
        (503, CloudError, 502),
        (504, CloudTimeout, 504),
    ],
)
def test_http_status_mapping(status, expected_type, expected_status):
    error = translate_exception(http_error(status, "reason from OpenStack"), cloud="c", region="R1")
    assert type(error) is expected_type
    assert error.status == expected_status
    assert "cloud c region R1" in error.detail
    assert "reason from OpenStack" in error.detail


def test_credentials_rejected_names_entry():
    error = translate_exception(ksa_exceptions.Unauthorized(), cloud="prod", region=None)
    assert isinstance(error, CloudCredentialsRejected)
    assert "'prod'" in error.detail


def test_timeout_is_504():
    exc = ksa_exceptions.ConnectTimeout("Request to http://127.0.0.1:1/ timed out")
    error = translate_exception(exc, cloud="c", region="R2")
    assert isinstance(error, CloudTimeout)
    assert error.status == 504
    assert error.region == "R2"


def test_connect_failure_keeps_url_and_reason():
    exc = ksa_exceptions.ConnectFailure(
        "Unable to establish connection to http://127.0.0.1:1/v3/auth/tokens: "
        "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded "
        "(Caused by NewConnectionError(\"Failed to establish a new connection: "
        "[Errno 111] Connection refused\"))"
    )
    error = translate_exception(exc, cloud="c", region="R1")
    assert isinstance(error, CloudUnreachable)
    assert error.status == 502
    assert error.detail == (
        "cloud c region R1: unable to connect to http://127.0.0.1:1/v3/auth/tokens: Connection refused"
    )


def test_context_manager_translates():
    with pytest.raises(NotFound) as raised:
        with openstack_errors("c", "R1"):
            raise http_error(404, "Flavor x could not be found.")
    assert raised.value.cloud == "c"


def test_long_reason_shortened():
    error = translate_exception(http_error(500, "x" * 5000), cloud="c", region="R1")
    assert len(error.detail) < 500
