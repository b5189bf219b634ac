"""Fixtures for tests that need no cloud: a clouds.yaml that points nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openstack.config import OpenStackConfig

from perspective.app import create_app
from perspective.openstack import names
from perspective.settings import Settings
from tests.unit.fakes import FakeCloud

API_TOKEN = "unit-test-token"

# Port 1 on loopback refuses connections, so a test that reaches the
# network by mistake fails fast instead of talking to anything.
CLOUDS_YAML = """\
clouds:
  alpha:
    auth:
      auth_url: http://127.0.0.1:1/v3
      username: alice
      password: alpha-password
      project_name: one
      user_domain_name: Default
      project_domain_name: Default
    regions: [R1, R2]
  beta:
    auth:
      auth_url: http://127.0.0.1:1/v3
      username: bob
      password: beta-password
      project_name: one
      user_domain_name: Default
      project_domain_name: Default
    regions: [R1, R2]
"""


@pytest.fixture
def fake_clouds_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "clouds.yaml"
    path.write_text(CLOUDS_YAML)
    return path


@pytest.fixture
def openstack_config(fake_clouds_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> OpenStackConfig:
    monkeypatch.delenv("OS_CLIENT_CONFIG_FILE", raising=False)
    return OpenStackConfig(
        config_files=[str(fake_clouds_yaml)], vendor_files=[], secure_files=[], load_envvars=False
    )


def make_client(
    openstack_config: OpenStackConfig,
    fake: FakeCloud | None = None,
    **settings: object,
) -> TestClient:
    """Return a client of an app on the fake clouds.yaml, its connections faked."""
    settings.setdefault("api_tokens", [API_TOKEN])
    # Unit tests count the calls each endpoint makes; the inventory's
    # background syncs and refreshes would add calls of their own.
    settings.setdefault("inventory", {"enabled": False})
    app = create_app(Settings.model_validate(settings), openstack_config)
    if fake is not None:
        app.state.services.clouds.connect = fake.connect
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {API_TOKEN}"
    return client


@pytest.fixture(autouse=True)
def forget_cached_names():
    """Each unit test's fake cloud has flavors and images of its own."""
    names.clear()
    yield
    names.clear()
