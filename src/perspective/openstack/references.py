"""Resolution of the flavors, images, networks and other resources a request names.

A request may name a resource by id or by name. Each function here finds it
among those the scope's project can use in the scope's region and returns
its id. An unknown reference raises InvalidRequest naming the request
field, and so does a name that several resources share, because then the
caller must give the id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from perspective.errors import InvalidRequest
from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack.servers import nova_errors

__all__ = [
    "check_availability_zone",
    "check_keypair",
    "resolve_flavor",
    "resolve_image",
    "resolve_networks",
    "resolve_security_groups",
]

logger = logging.getLogger(__name__)

USABLE_IMAGE_VISIBILITIES = ("public", "community", "shared")


def resolve_flavor(clouds: Clouds, scope: Scope, reference: str, field: str = "flavor") -> str:
    """Return the id of a flavor the project may use, by id or name."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        flavors = [(flavor.id, flavor.name) for flavor in connection.compute.flavors(details=False)]
    return _pick("flavor", reference, flavors, scope, field)


def resolve_image(clouds: Clouds, scope: Scope, reference: str, field: str = "image") -> str:
    """Return the id of an active image the project can boot, by id or name."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        candidates = [
            image
            for image in connection.image.images()
            if image.owner == scope.project_id or image.visibility in USABLE_IMAGE_VISIBILITIES
        ]
    image_id = _pick("image", reference, [(image.id, image.name) for image in candidates], scope, field)

    image = next(image for image in candidates if image.id == image_id)
    if image.status != "active":
        raise InvalidRequest(
            f"image {reference!r} ({image_id}) is {image.status}, not active;"
            " only an active image can be used",
            field=field,
        )
    return image_id


def resolve_networks(
    clouds: Clouds, scope: Scope, references: Iterable[str], field: str = "networks"
) -> list[str]:
    """Return the ids of networks the project can attach instances to, by id or name."""
    references = list(references)
    if not references:
        return []

    with nova_errors(scope):
        connection = clouds.connect(scope)
        networks = [
            network
            for network in connection.network.networks()
            if network.project_id == scope.project_id
            or network.is_shared
            or network.is_router_external
        ]
    attachable = [(network.id, network.name) for network in networks if not _external_only(network, scope)]

    ids = []
    for reference in references:
        external = [
            network
            for network in networks
            if _external_only(network, scope) and reference in (network.id, network.name)
        ]
        if external and not any(reference in pair for pair in attachable):
            raise InvalidRequest(
                f"network {reference!r} is an external network, which instances of project"
                f" {scope.project_id} cannot attach to; it is the source of floating IPs"
                " (PUT …/instances/ip)",
                field=field,
            )
        ids.append(_pick("network", reference, attachable, scope, field))
    return ids


def resolve_security_groups(
    clouds: Clouds, scope: Scope, references: Iterable[str], field: str = "security_groups"
) -> list[str]:
    """Return the ids of the project's security groups, by id or name."""
    references = list(references)
    if not references:
        return []

    with nova_errors(scope):
        connection = clouds.connect(scope)
        groups = [
            (group.id, group.name)
            for group in connection.network.security_groups(project_id=scope.project_id)
        ]
    return [_pick("security group", reference, groups, scope, field) for reference in references]


def check_keypair(clouds: Clouds, scope: Scope, name: str, field: str = "keypair") -> str:
    """Return the name of one of the user's keypairs in the region."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        # Listed rather than fetched, so that the name never goes into a URL.
        names = [keypair.name for keypair in connection.compute.keypairs()]
    if name not in names:
        raise InvalidRequest(
            f"unknown keypair {name!r}: the user of clouds.yaml entry {scope.cloud}"
            f" has no keypair of that name in region {scope.region}"
            f" (keypairs: {', '.join(sorted(names)) or 'none'})",
            field=field,
        )
    return name


def check_availability_zone(
    clouds: Clouds, scope: Scope, name: str, field: str = "availability_zone"
) -> str:
    """Return the name of an available compute availability zone of the region."""
    with nova_errors(scope):
        connection = clouds.connect(scope)
        zones = [
            zone.name
            for zone in connection.compute.availability_zones(details=False)
            if (zone.state or {}).get("available")
        ]
    if name not in zones:
        raise InvalidRequest(
            f"unknown availability zone {name!r} in region {scope.region};"
            f" available zones: {', '.join(sorted(zones)) or 'none'}",
            field=field,
        )
    return name


def _external_only(network, scope: Scope) -> bool:
    # An external network that is neither shared nor the project's own
    # gives floating IPs but takes no instance ports.
    return bool(network.is_router_external) and not network.is_shared and network.project_id != scope.project_id


def _pick(
    kind: str, reference: str, candidates: list[tuple[str, str]], scope: Scope, field: str
) -> str:
    """Return the id of the candidate whose id, or else whose name, is `reference`."""
    for candidate_id, _ in candidates:
        if candidate_id == reference:
            return candidate_id

    named = sorted({candidate_id for candidate_id, name in candidates if name == reference})
    if len(named) == 1:
        return named[0]
    if named:
        raise InvalidRequest(
            f"{kind} name {reference!r} is ambiguous in region {scope.region}:"
            f" {len(named)} {kind}s have it ({', '.join(named)}); give the id instead",
            field=field,
        )
    raise InvalidRequest(
        f"unknown {kind} {reference!r}: no {kind} that project {scope.project_id} can use"
        f" in region {scope.region} has this id or name",
        field=field,
    )
