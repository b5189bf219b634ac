"""Fixtures shared by the test suites.

Tests under tests/api run against the micro-cloud that `scripts/microcloud up`
starts on 127.0.0.1: one Keystone and two regions (RegionOne, RegionTwo),
with the users admin, alice (projects dev and ops) and bob (project dev).
They fail, rather than skip, when it is not running.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import openstack.connection
import pytest
from fastapi.testclient import TestClient
from openstack.config import OpenStackConfig

from perspective.app import create_app
from perspective.settings import Settings

pytest_plugins = ["tests.support.leak_scan"]

REPO = Path(__file__).resolve().parents[1]
MICROCLOUD = REPO / ".microcloud"
CLOUDS_YAML = MICROCLOUD / "clouds.yaml"
OPENSTACK_CLI = MICROCLOUD / "venv" / "bin" / "openstack"

API_TOKEN = "api-test-token"
ALICE = "microcloud-alice"
BOB = "microcloud-bob"
ADMIN = "microcloud-admin"
# Alice comes first, so she serves project dev, which bob can reach too.
CLOUDS = (ALICE, BOB, ADMIN)
REGIONS = ("RegionOne", "RegionTwo")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    api_tests = REPO / "tests" / "api"
    for item in items:
        if api_tests in Path(item.fspath).parents:
            item.add_marker(pytest.mark.microcloud)


@pytest.fixture(scope="session")
def clouds_yaml() -> Path:
    """Path of the micro-cloud's clouds.yaml."""
    if not CLOUDS_YAML.is_file():
        pytest.fail(
            f"{CLOUDS_YAML} is missing: start the micro-cloud with `scripts/microcloud up`"
            " (and check it with `scripts/microcloud status`)",
            pytrace=False,
        )
    return CLOUDS_YAML


@pytest.fixture(scope="session")
def microcloud_config(clouds_yaml: Path) -> OpenStackConfig:
    """openstacksdk's view of the micro-cloud's clouds.yaml, ignoring OS_* variables."""
    return OpenStackConfig(
        config_files=[str(clouds_yaml)], vendor_files=[], secure_files=[], load_envvars=False
    )


@pytest.fixture(scope="session")
def api(microcloud_config: OpenStackConfig) -> Iterator[TestClient]:
    """A Perspective app on the micro-cloud's three users, with API_TOKEN sent."""
    # The inventory is off here: these tests change clouds through openstacksdk
    # and read the result at once, and inventory tests build their own apps.
    settings = Settings(
        api_tokens=[API_TOKEN],
        clouds={name: {} for name in CLOUDS},
        inventory={"enabled": False},
    )
    client = TestClient(create_app(settings, microcloud_config), raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {API_TOKEN}"
    with client:
        yield client


@pytest.fixture(scope="session")
def sdk(microcloud_config: OpenStackConfig) -> Callable[..., openstack.connection.Connection]:
    """Return an openstacksdk connection for (cloud, region[, project_id]), for cross-checks."""
    connections: dict[tuple, openstack.connection.Connection] = {}

    def connect(cloud: str, region: str, project_id: str | None = None):
        key = (cloud, region, project_id)
        if key not in connections:
            connection = openstack.connection.Connection(
                config=microcloud_config.get_one(cloud=cloud, region_name=region)
            )
            if project_id is not None:
                connection = connection.connect_as(project_id=project_id)
            connections[key] = connection
        return connections[key]

    return connect


@pytest.fixture(scope="session")
def password(microcloud_config: OpenStackConfig) -> Callable[[str], str]:
    """Return the password of a clouds.yaml entry, as a user would type it."""
    return lambda cloud: microcloud_config.get_one(cloud=cloud).config["auth"]["password"]


@pytest.fixture(scope="session")
def project_ids(sdk) -> dict[str, str]:
    """Project name -> id, as Keystone lists alice's and admin's projects."""
    ids = {}
    for cloud in (ALICE, ADMIN):
        connection = sdk(cloud, REGIONS[0])
        for project in connection.identity.user_projects(connection.current_user_id):
            ids[project.name] = project.id
    return ids


@pytest.fixture(scope="session")
def cli(clouds_yaml: Path) -> Callable[..., object]:
    """Run the openstack CLI with the micro-cloud's clouds.yaml and return its JSON output."""

    def run(*args: str, env: dict[str, str] | None = None) -> object:
        completed = subprocess.run(
            [str(OPENSTACK_CLI), *args, "-f", "json"],
            capture_output=True,
            text=True,
            env=env or cli_environment(clouds_yaml),
            timeout=120,
        )
        assert completed.returncode == 0, f"openstack {' '.join(args)} failed: {completed.stderr}"
        return json.loads(completed.stdout)

    return run


def cli_environment(clouds_yaml: Path) -> dict[str, str]:
    """Return an environment with no OS_* variable but OS_CLIENT_CONFIG_FILE."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
    return env
