"""Fixtures that put a faulty TCP proxy between Perspective and one service.

Each app here reads a copy of the micro-cloud's clouds.yaml in which one
region's (or Keystone's) URL points at a TcpProxy, so a test can make that
region slow, silent or unreachable without touching the shared micro-cloud.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from openstack.config import OpenStackConfig

from perspective.app import create_app
from perspective.settings import Settings
from tests.conftest import ALICE, API_TOKEN
from tests.support.tcp_proxy import TcpProxy

# Ports of the micro-cloud's RegionTwo services and of Keystone.
REGION_TWO_NOVA = 8874
KEYSTONE = 5000

# Short enough to keep the tests fast, long enough for the healthy region.
REGION_TIMEOUT = 4.0
REQUEST_TIMEOUT = 3.0


@pytest.fixture
def proxy() -> Callable[[int], TcpProxy]:
    """Return a started TcpProxy to a loopback port; all are stopped afterwards."""
    started: list[TcpProxy] = []

    def start(port: int) -> TcpProxy:
        started.append(TcpProxy("127.0.0.1", port).start())
        return started[-1]

    yield start
    for each in started:
        each.stop()


@pytest.fixture
def faulty_app(clouds_yaml: Path, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """Return a factory of Perspective apps for alice whose clouds.yaml routes
    RegionTwo's compute endpoint or Keystone through a proxy."""
    clients: list[TestClient] = []

    def build(
        compute_two: TcpProxy | None = None,
        keystone: TcpProxy | None = None,
        read_retries: int = 2,
        auth: dict[str, str] | None = None,
    ) -> TestClient:
        clouds = yaml.safe_load(clouds_yaml.read_text())
        entry = clouds["clouds"][ALICE]
        entry["auth"].update(auth or {})
        if keystone is not None:
            entry["auth"]["auth_url"] = f"{keystone.url}/v3"
        if compute_two is not None:
            entry["regions"] = [
                "RegionOne",
                {
                    "name": "RegionTwo",
                    "values": {"compute_endpoint_override": f"{compute_two.url}/v2.1"},
                },
            ]
        path = tmp_path / f"clouds-{len(clients)}.yaml"
        path.write_text(yaml.safe_dump({"clouds": {ALICE: entry}}))

        config = OpenStackConfig(
            config_files=[str(path)], vendor_files=[], secure_files=[], load_envvars=False
        )
        settings = Settings(
            api_tokens=[API_TOKEN],
            clouds={ALICE: {"regions": ["RegionOne", "RegionTwo"]}},
            region_timeout=REGION_TIMEOUT,
            request_timeout=REQUEST_TIMEOUT,
            connect_timeout=1.0,
            read_retries=read_retries,
            # The inventory would fetch tokens for every project at start-up;
            # these tests control when each token is first needed.
            inventory={"enabled": False},
        )
        client = TestClient(create_app(settings, config), raise_server_exceptions=False)
        client.headers["Authorization"] = f"Bearer {API_TOKEN}"
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
