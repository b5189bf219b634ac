"""A fake Nova for instance tests that need failures a real cloud will not produce.

Servers are real openstacksdk Server resources, and failures are the
exceptions openstacksdk and keystoneauth1 raise, so the code under test
runs its real translation, bulk and wait paths.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack.compute.v2.flavor import Flavor
from openstack.compute.v2.server import Server
from openstack.image.v2.image import Image

from perspective.openstack import Scope
from tests.unit.fakes import FakeCloud, http_error

PROJECT = "p1"
PUBLIC_IMAGE = Image(id="img-1", name="cirros", status="active", visibility="public", owner="admin")


def server(server_id: str, name: str, status: str = "ACTIVE", **attributes: Any) -> Server:
    """Return a Server of project p1 as Nova would show it."""
    values = {
        "id": server_id,
        "name": name,
        "status": status,
        "project_id": PROJECT,
        "task_state": None,
        "is_locked": False,
        "flavor": {"original_name": "m1.nano", "vcpus": 1, "ram": 128, "disk": 1},
        "image": {"id": "img-1"},
        "addresses": {},
        "created_at": "2026-01-01T00:00:00Z",
        "power_state": 1,
        "tags": [],
        **attributes,
    }
    return Server(**values)


@dataclass
class FakeNovaRegion:
    """The servers of one region, and the failure each call should raise."""

    servers: dict[str, Server] = field(default_factory=dict)
    failures: dict[tuple[str, str], Exception | list[Exception | None]] = field(default_factory=dict)
    """(method, server id or "*") -> exception raised by that call, or a list
    consumed one call at a time (None: that call succeeds; empty: all do)."""
    after_action: dict[str, dict[str, Any]] = field(default_factory=dict)
    """method -> attributes every server takes once that action is accepted."""
    calls: list[tuple[str, str]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)


class FakeNova:
    """The `compute` proxy of a connection, for one region."""

    def __init__(self, region: FakeNovaRegion) -> None:
        self._region = region
        self._lock = threading.Lock()

    def _fail(self, method: str, key: str) -> None:
        with self._lock:
            self._region.calls.append((method, key))
        with self._lock:
            error = self._region.failures.get((method, key)) or self._region.failures.get((method, "*"))
            if isinstance(error, list):
                error = error.pop(0) if error else None
        if error is not None:
            raise error

    def get_server(self, server_id: str) -> Server:
        self._fail("get_server", server_id)
        try:
            return self._region.servers[server_id]
        except KeyError:
            raise http_error(404, f"Instance {server_id} could not be found.") from None

    def servers(self, details: bool = True, **query: Any) -> list[Server]:
        self._fail("servers", "*")
        return list(self._region.servers.values())

    def flavors(self, details: bool = True) -> list[Flavor]:
        return [Flavor(id="f-nano", name="m1.nano", ram=128, vcpus=1, disk=1)]

    def create_server(self, **attributes: Any) -> Server:
        self._fail("create_server", "*")
        self._region.created.append(attributes)
        return Server(id="new-1", name=attributes["name"], status="BUILD")

    def __getattr__(self, method: str):
        # Every server action (pause_server, reboot_server, …) takes the id first.
        if not method.endswith("_server") and method not in ("confirm_server_resize", "revert_server_resize"):
            raise AttributeError(method)

        def action(server_id: str, *args: Any, **kwargs: Any) -> None:
            self._fail(method, server_id)
            for name, value in self._region.after_action.get(method, {}).items():
                setattr(self._region.servers[server_id], name, value)

        return action


class FakeNovaCloud(FakeCloud):
    """FakeCloud whose connections carry a FakeNova per region, and Glance and Neutron stubs."""

    def __init__(self, nova: dict[str, FakeNovaRegion]) -> None:
        super().__init__()
        self.nova = nova

    def connect(self, scope: Scope) -> SimpleNamespace:
        connection = super().connect(scope)
        region = self.nova.get(scope.region or "R1", FakeNovaRegion())
        connection.compute = FakeNova(region)
        connection.image = SimpleNamespace(get_image=_no_image, images=lambda **query: [PUBLIC_IMAGE])
        connection.network = SimpleNamespace(
            ports=lambda **query: [],
            ips=lambda **query: [],
            networks=lambda **query: [],
            security_groups=lambda **query: [],
        )
        return connection


def _no_image(image_id: str):
    raise sdk_exceptions.NotFoundException(f"image {image_id} not found")
