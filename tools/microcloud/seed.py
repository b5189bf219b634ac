"""Seed the micro-cloud with users, projects, endpoints and resources.

Runs inside the micro-cloud's own venv (openstacksdk is there) as
``python -m microcloud.seed identity|resources|clouds``. Every step finds
what exists and creates only what is missing.
"""

from __future__ import annotations

import json
import logging
import sys
import time

import openstack
import yaml

from microcloud import layout

LOG = logging.getLogger("microcloud.seed")

PROJECTS = {
    "service": "Service users of the micro-cloud's OpenStack services",
    "dev": "Development project: alice and bob",
    "ops": "Operations project: alice",
}
MEMBERSHIPS = {"alice": ("dev", "ops"), "bob": ("dev",)}
CLOUD_ENTRIES = {"admin": "admin", "alice": "dev", "bob": "dev"}

FLAVORS = (
    # name, vCPUs, RAM in MiB, disk in GiB
    ("m1.nano", 1, 128, 1),
    ("m1.micro", 1, 192, 1),
    ("m1.tiny", 1, 512, 1),
    ("m1.small", 2, 2048, 2),
)
SERVICES = {
    # service type: (service name, URL path after host and port)
    "image": ("glance", ""),
    "placement": ("placement", ""),
    "compute": ("nova", "/v2.1"),
    "network": ("neutron", ""),
}
PORT_NAMES = {"image": "glance", "placement": "placement",
              "compute": "nova", "network": "neutron"}

# A small raw disk: the fake hypervisor never boots it, so any bytes do.
IMAGE_BYTES = b"\0" * (1024 * 1024)
HYPERVISOR_TIMEOUT_SECONDS = 120


def connect(region: layout.Region | None = None, secrets: dict | None = None):
    secrets = secrets or load_secrets()
    return openstack.connect(
        auth_url=layout.KEYSTONE_V3,
        username="admin",
        password=secrets["users"]["admin"],
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=(region or layout.REGIONS[0]).name,
        interface="public",
        identity_api_version="3",
    )


def load_secrets() -> dict:
    return json.loads(layout.SECRETS.read_text())


def seed_identity() -> None:
    secrets = load_secrets()
    conn = connect(secrets=secrets)
    identity = conn.identity

    for region in layout.REGIONS:
        if not identity.find_region(region.name):
            identity.create_region(id=region.name)

    projects = {}
    for name, description in PROJECTS.items():
        projects[name] = (identity.find_project(name, domain_id="default")
                          or identity.create_project(
                              name=name, description=description,
                              domain_id="default"))

    member = identity.find_role("member")
    admin_role = identity.find_role("admin")
    users = {}
    for name, password in secrets["users"].items():
        if name == "admin":
            continue
        user = identity.find_user(name, domain_id="default")
        if user is None:
            user = identity.create_user(name=name, password=password,
                                        domain_id="default")
        else:
            # The state folder may be newer than the database: make the
            # stored password the one in the secrets file.
            user = identity.update_user(user, password=password)
        users[name] = user

    for user_name, project_names in MEMBERSHIPS.items():
        for project_name in project_names:
            identity.assign_project_role_to_user(
                projects[project_name], users[user_name], member)
    for service_user in layout.SERVICE_USERS:
        identity.assign_project_role_to_user(
            projects["service"], users[service_user], admin_role)
        identity.assign_project_role_to_user(
            projects["service"], users[service_user],
            identity.find_role("service") or identity.create_role(
                name="service"))

    _ensure_endpoints(identity)
    LOG.info("identity seeded: projects %s", ", ".join(projects))


def _ensure_endpoints(identity) -> None:
    services = {s.type: s for s in identity.services()}
    endpoints = list(identity.endpoints())

    def ensure(service, region_name: str, url: str) -> None:
        for interface in ("public", "internal"):
            exists = any(e.service_id == service.id
                         and e.region_id == region_name
                         and e.interface == interface for e in endpoints)
            if not exists:
                identity.create_endpoint(service_id=service.id,
                                         region_id=region_name,
                                         interface=interface, url=url)

    for region in layout.REGIONS:
        ensure(services["identity"], region.name, layout.KEYSTONE_V3)
        for service_type, (name, path) in SERVICES.items():
            service = services.get(service_type)
            if service is None:
                service = identity.create_service(type=service_type,
                                                  name=name)
                services[service_type] = service
            url = region.url(PORT_NAMES[service_type]) + path
            ensure(service, region.name, url)


def seed_resources() -> None:
    secrets = load_secrets()
    for index, region in enumerate(layout.REGIONS):
        conn = connect(region, secrets)
        dev = conn.identity.find_project("dev", domain_id="default")
        ops = conn.identity.find_project("ops", domain_id="default")

        _wait_for_hypervisor(conn, region)
        _ensure_flavors(conn)
        _ensure_images(conn, region, dev)
        _ensure_networks(conn, index, dev)
        for project in (dev, ops):
            conn.set_compute_quotas(project.id, instances=-1, cores=-1,
                                    ram=-1, key_pairs=-1,
                                    metadata_items=-1)
            conn.set_network_quotas(project.id, port=-1, floatingip=-1,
                                    network=-1, subnet=-1, router=-1,
                                    security_group=-1,
                                    security_group_rule=-1)
        LOG.info("%s seeded", region.name)


def _wait_for_hypervisor(conn, region: layout.Region) -> None:
    deadline = time.monotonic() + HYPERVISOR_TIMEOUT_SECONDS
    while not list(conn.compute.hypervisors()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no hypervisor registered in {region.name} "
                               f"after {HYPERVISOR_TIMEOUT_SECONDS} s; see "
                               f"nova-compute-{region.key}.log")
        time.sleep(1)


def _ensure_flavors(conn) -> None:
    existing = {f.name for f in conn.compute.flavors()}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in existing:
            conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram,
                                       disk=disk, is_public=True)


def _ensure_images(conn, region: layout.Region, dev) -> None:
    images = {(i.name, i.owner) for i in conn.image.images()}
    admin_project = conn.current_project_id
    wanted = (
        ("cirros-raw", "public", admin_project),
        ("dev-private", "private", dev.id),
    )
    for name, visibility, owner in wanted:
        if (name, owner) in images:
            continue
        image = conn.image.create_image(
            name=name, disk_format="raw", container_format="bare",
            visibility=visibility, owner=owner, data=IMAGE_BYTES,
            min_disk=0, min_ram=0)
        LOG.info("%s: image %s (%s) created as %s", region.name, name,
                 visibility, image.id)


def _ensure_networks(conn, index: int, dev) -> None:
    network = conn.network
    third_octet = index * 100

    public = network.find_network("public")
    if public is None:
        public = network.create_network(
            name="public", is_router_external=True,
            provider_network_type="flat",
            provider_physical_network="public")
    if not list(network.subnets(network_id=public.id)):
        network.create_subnet(
            name="public-subnet", network_id=public.id, ip_version=4,
            cidr=f"172.24.{4 + index}.0/24", enable_dhcp=False,
            allocation_pools=[{"start": f"172.24.{4 + index}.10",
                               "end": f"172.24.{4 + index}.250"}])

    shared = network.find_network("shared")
    if shared is None:
        shared = network.create_network(name="shared", is_shared=True)
    if not list(network.subnets(network_id=shared.id)):
        network.create_subnet(name="shared-subnet", network_id=shared.id,
                              ip_version=4,
                              cidr=f"10.{1 + third_octet}.0.0/24")

    dev_net = network.find_network("dev-net", project_id=dev.id)
    if dev_net is None:
        dev_net = network.create_network(name="dev-net", project_id=dev.id)
    subnets = list(network.subnets(network_id=dev_net.id))
    if subnets:
        dev_subnet = subnets[0]
    else:
        dev_subnet = network.create_subnet(
            name="dev-subnet", network_id=dev_net.id, project_id=dev.id,
            ip_version=4, cidr=f"10.{2 + third_octet}.0.0/24")

    router = network.find_router("dev-router", project_id=dev.id)
    if router is None:
        router = network.create_router(
            name="dev-router", project_id=dev.id,
            external_gateway_info={"network_id": public.id})
        network.add_interface_to_router(router, subnet_id=dev_subnet.id)


def write_clouds_yaml() -> None:
    """Write one clouds.yaml entry per seeded user, listing both regions."""
    secrets = load_secrets()
    clouds = {}
    for user, project in CLOUD_ENTRIES.items():
        clouds[f"microcloud-{user}"] = {
            "auth": {
                "auth_url": layout.KEYSTONE_V3,
                "username": user,
                "password": secrets["users"][user],
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "regions": [region.name for region in layout.REGIONS],
            "interface": "public",
            "identity_api_version": 3,
        }
    layout.CLOUDS_YAML.touch(mode=0o600)
    layout.CLOUDS_YAML.write_text(
        yaml.safe_dump({"clouds": clouds}, sort_keys=False))


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # openstacksdk logs every request at INFO through keystoneauth; only
    # the seed's own progress belongs on the terminal.
    logging.getLogger("keystoneauth").setLevel(logging.WARNING)
    logging.getLogger("openstack").setLevel(logging.WARNING)
    phases = {"identity": seed_identity, "resources": seed_resources,
              "clouds": write_clouds_yaml}
    if len(argv) != 1 or argv[0] not in phases:
        print(f"usage: python -m microcloud.seed {'|'.join(phases)}",
              file=sys.stderr)
        return 2
    phases[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
