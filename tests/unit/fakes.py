"""Stand-ins for openstacksdk connections, for tests that need no cloud.

They return real openstacksdk resource objects and raise the exceptions
openstacksdk and keystoneauth1 raise, so the code under test runs its real
translation and fan-out paths.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import requests
from openstack import exceptions as sdk_exceptions
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.keypair import Keypair
from openstack.identity.v3.project import UserProject

from perspective.openstack import Scope

REGIONS = ("R1", "R2")


def http_error(status: int, message: str) -> sdk_exceptions.HttpException:
    """Return the exception openstacksdk raises for an OpenStack error response."""
    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = "application/json"
    response._content = json.dumps({"error": {"message": message}}).encode()
    response.url = "http://127.0.0.1:1/fake"
    try:
        sdk_exceptions.raise_from_response(response)
    except sdk_exceptions.HttpException as exc:
        return exc
    raise AssertionError(f"status {status} did not raise")


@dataclass
class FakeRegion:
    """Responses of one fake region; an exception value is raised instead."""

    flavors: Any = field(default_factory=list)
    keypairs: dict[str, Keypair] = field(default_factory=dict)
    create_keypair_error: Exception | None = None
    delay: float = 0.0


class FakeCompute:
    def __init__(self, region: FakeRegion) -> None:
        self._region = region
        self._lock = threading.Lock()

    def _respond(self, value: Any) -> Any:
        time.sleep(self._region.delay)
        if isinstance(value, Exception):
            raise value
        return value

    def flavors(self, details: bool = True) -> list[Flavor]:
        return self._respond(self._region.flavors)

    def keypairs(self) -> list[Keypair]:
        return self._respond(list(self._region.keypairs.values()))

    def _create(self, resource_type: type[Keypair], name: str, public_key: str) -> Keypair:
        assert issubclass(resource_type, Keypair)
        time.sleep(self._region.delay)
        if self._region.create_keypair_error is not None:
            raise self._region.create_keypair_error
        with self._lock:
            if name in self._region.keypairs:
                raise http_error(409, f"Key pair '{name}' already exists.")
            keypair = resource_type(name=name, public_key=public_key, fingerprint=f"fp:{hash(public_key)}", type="ssh")
            self._region.keypairs[name] = keypair
        return keypair

    def delete_keypair(self, name: str, ignore_missing: bool = True) -> None:
        with self._lock:
            if self._region.keypairs.pop(name, None) is None and not ignore_missing:
                raise http_error(404, f"Keypair {name} not found.")


class FakeCloud:
    """Replaces `Clouds.connect`: one fake connection per scope.

    The user `u1` has projects `p1` and `p2` and compute endpoints in R1 and R2.
    """

    def __init__(self, regions: dict[str, FakeRegion] | None = None) -> None:
        self.regions = regions or {name: FakeRegion() for name in REGIONS}
        self.projects = [
            UserProject(id="p1", name="one", domain_id="default", description="", is_enabled=True),
            UserProject(id="p2", name="two", domain_id="default", description="second", is_enabled=True),
        ]

    def connect(self, scope: Scope) -> SimpleNamespace:
        catalog = [
            {
                "type": "compute",
                "name": "nova",
                "endpoints": [
                    {"region_id": region, "interface": "public", "url": f"http://127.0.0.1:1/{region}/compute"}
                    for region in REGIONS
                ],
            }
        ]
        access = SimpleNamespace(
            user_id="u1",
            project_id=scope.project_id or "p1",
            service_catalog=SimpleNamespace(catalog=catalog),
        )
        auth = SimpleNamespace(get_access=lambda session: access)
        region = self.regions.get(scope.region or REGIONS[0], FakeRegion())
        return SimpleNamespace(
            session=SimpleNamespace(auth=auth),
            identity=SimpleNamespace(user_projects=lambda user_id: list(self.projects)),
            compute=FakeCompute(region),
            current_project_id=scope.project_id,
        )
