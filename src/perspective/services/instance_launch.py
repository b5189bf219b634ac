"""Launching instances in one region of a project."""

from __future__ import annotations

import logging
import time

from perspective.errors import Conflict, InvalidRequest
from perspective.models.instances import LaunchRequest, LaunchResult, LaunchResults
from perspective.openstack import Clouds, Scope, references, servers
from perspective.services.container import Services
from perspective.services.instance_waits import Target, wait_for
from perspective.services.instances import region_scope

__all__ = ["launch"]

logger = logging.getLogger(__name__)

# Per-instance statuses of a launch: Nova accepted it, it is ACTIVE, or it
# went to ERROR while the request waited.
ACCEPTED = 202
CREATED = 201
FAILED = 502


# The start of Nova's message for a launch without networks in a project
# that can use several (NetworkAmbiguous, raised in nova/network/neutron.py
# of nova 34.0.0, OpenStack 2026.2).
MULTIPLE_NETWORKS = "Multiple possible networks found"

def launch(
    services: Services,
    project_id: str,
    region: str,
    request: LaunchRequest,
    wait: bool,
    timeout: float,
) -> LaunchResults:
    """Check every reference of a launch request, launch, and optionally wait.

    Raises InvalidRequest, before Nova is asked to create anything, when a
    reference is unknown or ambiguous. With `wait`, each instance's result
    is 201 once it is ACTIVE, 502 with Nova's fault if it went to ERROR,
    and 202 if it is still building after `timeout` seconds.
    """
    scope = region_scope(services, project_id, region)
    spec = _resolve(services.clouds, scope, request)
    started = time.monotonic()
    try:
        launched = servers.create_servers(services.clouds, scope, spec)
    except Conflict as exc:
        # Without `networks`, Nova picks the project's only network and
        # rejects the launch when it can use several; nothing was created.
        if spec.network_ids is None and MULTIPLE_NETWORKS in exc.detail:
            raise InvalidRequest(
                f"project {project_id} can use several networks in region {region}: name the"
                f" ones to attach in `networks` (ids or names, [] for none);"
                f" GET /projects/{project_id}/networks lists them",
                field="networks",
            ) from exc
        raise

    results = [
        LaunchResult(id=state.id, name=state.name, status=ACCEPTED, instance_status=state.status)
        for state in launched.servers
    ]
    if wait:
        outcomes = wait_for(
            services.clouds,
            scope,
            {result.id: Target.status("ACTIVE") for result in results},
            deadline=started + timeout,
            timeout=timeout,
        )
        for result in results:
            outcome = outcomes[result.id]
            result.status = {"done": CREATED, "failed": FAILED, "pending": ACCEPTED}[outcome.state]
            result.instance_status = outcome.instance_status or result.instance_status
            result.detail = outcome.detail

    return LaunchResults(reservation_id=launched.reservation_id, results=results)


def _resolve(clouds: Clouds, scope: Scope, request: LaunchRequest) -> servers.LaunchSpec:
    flavor_id = references.resolve_flavor(clouds, scope, request.flavor)
    image_id = references.resolve_image(clouds, scope, request.image)
    network_ids = (
        references.resolve_networks(clouds, scope, request.networks)
        if request.networks is not None
        else None
    )
    key_name = references.check_keypair(clouds, scope, request.keypair) if request.keypair else None
    group_ids = references.resolve_security_groups(clouds, scope, request.security_groups or [])
    zone = (
        references.check_availability_zone(clouds, scope, request.availability_zone)
        if request.availability_zone
        else None
    )
    return servers.LaunchSpec(
        name=request.name,
        count=request.count,
        flavor_id=flavor_id,
        image_id=image_id,
        network_ids=network_ids,
        key_name=key_name,
        availability_zone=zone,
        security_group_ids=group_ids or None,
        user_data=request.encoded_user_data(),
        metadata=dict(request.metadata),
        tags=list(request.tags),
    )
