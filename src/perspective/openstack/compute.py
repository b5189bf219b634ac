"""Nova: flavors, availability zones and keypairs of one region."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from openstack import exceptions as sdk_exceptions
from openstack.compute.v2.keypair import Keypair as SdkKeypair

from perspective.models.availability_zones import AvailabilityZone
from perspective.models.flavors import Flavor
from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack.errors import openstack_errors

__all__ = [
    "KeypairRecord",
    "create_keypair",
    "delete_keypair",
    "list_availability_zones",
    "list_flavors",
    "list_keypairs",
]

logger = logging.getLogger(__name__)


class _NamedKeypair(SdkKeypair):
    """openstacksdk's Keypair, created at up to microversion 2.92.

    Before 2.92 Nova rejects `.` and `@` in keypair names, and openstacksdk
    4.22 caps its Keypair at 2.10. From 2.92 on Nova also requires a public
    key on create, which Perspective always sends.
    """

    _max_microversion = "2.92"


@dataclass(frozen=True)
class KeypairRecord:
    """A keypair as Nova returns it in one region."""

    name: str
    type: str
    fingerprint: str
    public_key: str
    region: str


def list_flavors(clouds: Clouds, scope: Scope) -> list[Flavor]:
    """List the flavors the scope's project may use in the scope's region."""
    with openstack_errors(scope.cloud, scope.region):
        connection = clouds.connect(scope)
        return [
            Flavor(
                id=flavor.id,
                name=flavor.name,
                ram=flavor.ram,
                vcpus=flavor.vcpus,
                disk=flavor.disk,
                ephemeral=flavor.ephemeral or 0,
                swap=flavor.swap or 0,
                is_public=flavor.is_public is not False,
                description=flavor.description,
                region=scope.region,
                cloud=scope.cloud,
            )
            for flavor in connection.compute.flavors(details=True)
        ]


def list_availability_zones(clouds: Clouds, scope: Scope) -> list[AvailabilityZone]:
    """List the compute availability zones, with hosts when policy shows them."""
    with openstack_errors(scope.cloud, scope.region):
        connection = clouds.connect(scope)
        try:
            zones = list(connection.compute.availability_zones(details=True))
        except sdk_exceptions.ForbiddenException:
            # Nova's default policy shows the detailed list to admins only.
            logger.info(
                "cloud %s region %s: zone details forbidden for project %s, listing names only",
                scope.cloud,
                scope.region,
                scope.project_id,
            )
            zones = list(connection.compute.availability_zones(details=False))

    return [
        AvailabilityZone(
            name=zone.name,
            available=bool((zone.state or {}).get("available")),
            hosts=sorted(zone.hosts) if zone.hosts is not None else None,
            region=scope.region,
            cloud=scope.cloud,
        )
        for zone in zones
    ]


def list_keypairs(clouds: Clouds, scope: Scope) -> list[KeypairRecord]:
    """List the keypairs of the scope's user in the scope's region."""
    with openstack_errors(scope.cloud, scope.region):
        connection = clouds.connect(scope)
        return [_record(keypair, scope) for keypair in connection.compute.keypairs()]


def create_keypair(clouds: Clouds, scope: Scope, name: str, public_key: str) -> KeypairRecord:
    """Import a public key as a keypair of the scope's user in the scope's region."""
    with openstack_errors(scope.cloud, scope.region):
        connection = clouds.connect(scope)
        # The proxy's own create_keypair would pin the SDK's Keypair class.
        keypair = connection.compute._create(_NamedKeypair, name=name, public_key=public_key)
    logger.info("cloud %s region %s: created keypair %r", scope.cloud, scope.region, name)
    return _record(keypair, scope)


def delete_keypair(clouds: Clouds, scope: Scope, name: str) -> bool:
    """Delete a keypair; return False when the region does not have it."""
    with openstack_errors(scope.cloud, scope.region):
        connection = clouds.connect(scope)
        try:
            connection.compute.delete_keypair(name, ignore_missing=False)
        except sdk_exceptions.NotFoundException:
            return False
    logger.info("cloud %s region %s: deleted keypair %r", scope.cloud, scope.region, name)
    return True


def _record(keypair, scope: Scope) -> KeypairRecord:
    return KeypairRecord(
        name=keypair.name,
        type=keypair.type or "ssh",
        fingerprint=keypair.fingerprint,
        public_key=(keypair.public_key or "").strip(),
        region=scope.region,
    )
