"""Locations of every part of the micro-cloud: folders, ports and names."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
TOOL = pathlib.Path(__file__).resolve().parent
HOME = pathlib.Path(os.environ.get("MICROCLOUD_HOME", REPO / ".microcloud"))

# Databases, RabbitMQ users and virtual hosts carry a name derived from the
# state folder, so that two checkouts on one machine (a developer's and CI's)
# never share a database whose passwords or node identities the other's
# state folder does not know.
DEPLOYMENT = "mc" + hashlib.sha256(str(HOME).encode()).hexdigest()[:8]

VENV = HOME / "venv"
ETC = HOME / "etc"
LOGS = HOME / "logs"
RUN = HOME / "run"
DATA = HOME / "data"
SECRETS = HOME / "secrets.json"
CLOUDS_YAML = HOME / "clouds.yaml"

HOST = "127.0.0.1"
KEYSTONE_PORT = 5000
KEYSTONE_URL = f"http://{HOST}:{KEYSTONE_PORT}"
KEYSTONE_V3 = f"{KEYSTONE_URL}/v3"

# The OpenStack services each region runs, with the Keystone user they
# authenticate as. One user per service serves both regions.
SERVICE_USERS = ("glance", "placement", "nova", "neutron")

# Databases per region; Keystone's single database is shared.
REGION_DATABASES = ("glance", "placement", "nova_api", "nova_cell0", "nova",
                    "neutron")


@dataclasses.dataclass(frozen=True)
class Region:
    """One region: its own Glance, Placement, Nova and Neutron."""

    name: str
    key: str
    port_offset: int

    @property
    def ports(self) -> dict[str, int]:
        return {
            "glance": 9292 + self.port_offset,
            "placement": 8778 + self.port_offset,
            "nova": 8774 + self.port_offset,
            "neutron": 9696 + self.port_offset,
            "novncproxy": 6080 + self.port_offset,
        }

    def url(self, service: str) -> str:
        return f"http://{HOST}:{self.ports[service]}"

    @property
    def etc(self) -> pathlib.Path:
        return ETC / self.key

    @property
    def data(self) -> pathlib.Path:
        return DATA / self.key

    @property
    def vhost(self) -> str:
        return f"{DEPLOYMENT}_{self.key}"

    @property
    def compute_host(self) -> str:
        return f"compute-{self.key}"

    def database(self, name: str) -> str:
        return f"{DEPLOYMENT}_{name}_{self.key}"


REGIONS = (
    Region(name="RegionOne", key="r1", port_offset=0),
    Region(name="RegionTwo", key="r2", port_offset=100),
)

KEYSTONE_DATABASE = f"{DEPLOYMENT}_keystone"
DB_USER = DEPLOYMENT
MQ_USER = DEPLOYMENT
