"""Keypairs of the configured users, kept alike in every enabled region.

Nova stores keypairs per user and per region. Perspective creates and
deletes a keypair in all enabled regions of one clouds.yaml entry at once,
and lists them merged by name.
"""

from __future__ import annotations

import logging
from functools import partial

from perspective.errors import NotFound, PerspectiveError, RegionsFailed
from perspective.models.common import RegionError
from perspective.models.keypairs import Keypair, KeypairCreate, KeypairCreated, KeypairList
from perspective.openstack import Scope, compute
from perspective.openstack.compute import KeypairRecord
from perspective.services.container import Services
from perspective.services.fanout import Outcome
from perspective.services.ssh_keys import generate_key

__all__ = ["create_keypair", "delete_keypair", "list_keypairs"]

logger = logging.getLogger(__name__)

DEFAULT_ALGORITHM = "ed25519"


def list_keypairs(services: Services, cloud: str | None) -> KeypairList:
    """List keypairs of one entry's user, or of every entry's user, merged by name."""
    items: list[Keypair] = []
    errors: list[RegionError] = []
    for name in services.select_clouds(cloud, one=False):
        try:
            regions = services.projects.cloud_regions(name)
        except PerspectiveError as exc:
            errors.append(RegionError(cloud=name, status=exc.status, reason=exc.detail))
            continue

        scopes = [Scope(name, region) for region in regions]
        outcomes = services.fan_out.run(partial(compute.list_keypairs, services.clouds), scopes)
        responded = [outcome.scope.region for outcome in outcomes if outcome.ok]
        records = [record for outcome in outcomes if outcome.ok for record in outcome.value]
        errors += [outcome.region_error() for outcome in outcomes if not outcome.ok]
        items += _merge(name, records, responded)
    return KeypairList(items=items, errors=errors)


def create_keypair(
    services: Services, request: KeypairCreate, cloud: str | None
) -> KeypairCreated:
    """Create a keypair in every enabled region of one entry, or in none.

    If a region fails, the regions where the keypair was created are rolled
    back and RegionsFailed carries the first failure's status.
    """
    (name,) = services.select_clouds(cloud, one=True)
    regions = services.projects.cloud_regions(name)

    generated = None
    public_key = request.public_key
    if public_key is None:
        generated = generate_key(request.type or DEFAULT_ALGORITHM, comment=request.name)
        public_key = generated.public_key

    scopes = [Scope(name, region) for region in regions]
    outcomes = services.fan_out.run(
        lambda scope: compute.create_keypair(services.clouds, scope, request.name, public_key),
        scopes,
    )
    failures = [outcome for outcome in outcomes if not outcome.ok]
    if failures:
        # NOTE: a region that timed out may still create the keypair after
        # the rollback has run; the rollback only covers regions that responded.
        created = [outcome.scope for outcome in outcomes if outcome.ok]
        raise _rolled_back(services, request.name, failures, created)

    records = [outcome.value for outcome in outcomes]
    (keypair,) = _merge(name, records, regions)
    logger.info(
        "cloud %s: keypair %r created in %s (%s)",
        name,
        request.name,
        ", ".join(regions),
        "generated" if generated else "imported",
    )
    return KeypairCreated(
        **keypair.model_dump(),
        private_key=generated.private_key if generated else None,
    )


def delete_keypair(services: Services, keypair_name: str, cloud: str | None) -> list[str]:
    """Delete a keypair in every enabled region of one entry; return the regions it left.

    Raises NotFound when no region has it, and RegionsFailed when a
    region failed (the other regions' deletions stand).
    """
    (name,) = services.select_clouds(cloud, one=True)
    regions = services.projects.cloud_regions(name)

    scopes = [Scope(name, region) for region in regions]
    outcomes = services.fan_out.run(
        lambda scope: compute.delete_keypair(services.clouds, scope, keypair_name), scopes
    )
    deleted = [outcome.scope.region for outcome in outcomes if outcome.ok and outcome.value]
    failures = [outcome for outcome in outcomes if not outcome.ok]

    if failures:
        first = failures[0].error
        done = f"deleted in {', '.join(deleted)}" if deleted else "deleted nowhere"
        raise RegionsFailed(
            f"keypair {keypair_name!r} of cloud {name} was {done}: {first.detail}",
            first,
            [failure.region_error() for failure in failures],
        )
    if not deleted:
        raise NotFound(
            f"keypair {keypair_name!r} not found in cloud {name}"
            f" (regions {', '.join(regions) or 'none'})",
            cloud=name,
        )
    return deleted


def _rolled_back(
    services: Services,
    keypair_name: str,
    failures: list[Outcome],
    created: list[Scope],
) -> RegionsFailed:
    first = failures[0].error
    failed = [failure.region_error() for failure in failures]

    outcomes = services.fan_out.run(
        lambda scope: compute.delete_keypair(services.clouds, scope, keypair_name), created
    )
    rolled_back = [outcome.scope.region for outcome in outcomes if outcome.ok]
    stranded = [outcome for outcome in outcomes if not outcome.ok]
    for outcome in stranded:
        logger.error(
            "cloud %s region %s: rollback of keypair %r failed: %s",
            outcome.scope.cloud,
            outcome.scope.region,
            keypair_name,
            outcome.error.detail,
        )

    detail = f"keypair {keypair_name!r} was not created: {first.detail}"
    if rolled_back:
        detail += f". It was removed again from {', '.join(rolled_back)}"
    if stranded:
        regions = ", ".join(outcome.scope.region for outcome in stranded)
        detail += f". Removing it from {regions} failed, so it is still there"
        failed += [outcome.region_error() for outcome in stranded]
    return RegionsFailed(detail, first, failed)


def _merge(cloud: str, records: list[KeypairRecord], regions: list[str]) -> list[Keypair]:
    by_name: dict[str, list[KeypairRecord]] = {}
    for record in records:
        by_name.setdefault(record.name, []).append(record)

    keypairs = []
    for name in sorted(by_name):
        found = by_name[name]
        fingerprints = {record.region: record.fingerprint for record in found}
        differ = len(set(fingerprints.values())) > 1
        present = [record.region for record in found]
        keypairs.append(
            Keypair(
                name=name,
                cloud=cloud,
                type=found[0].type,
                regions=present,
                missing_regions=[region for region in regions if region not in present],
                fingerprint=None if differ else found[0].fingerprint,
                public_key=None if differ else found[0].public_key,
                fingerprints=fingerprints,
                fingerprints_differ=differ,
            )
        )
    return keypairs
