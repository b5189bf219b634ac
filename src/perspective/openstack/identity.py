"""Keystone: who a clouds.yaml entry's user is, its projects and catalogs."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from perspective.openstack.clouds import Clouds, Scope
from perspective.openstack.errors import openstack_errors

__all__ = ["CatalogEntry", "ProjectRecord", "UserContext", "describe_user", "list_catalog", "list_user_projects"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserContext:
    """Keystone's facts about the user of one clouds.yaml entry."""

    cloud: str
    user_id: str
    project_id: str | None
    compute_regions: tuple[str, ...]
    """Regions whose catalog has a compute endpoint on the entry's interface."""


@dataclass(frozen=True)
class ProjectRecord:
    """A Keystone project as the identity API returns it."""

    id: str
    name: str
    domain_id: str | None
    description: str | None
    enabled: bool


@dataclass(frozen=True)
class CatalogEntry:
    """One endpoint of a service catalog."""

    region: str
    interface: str
    service_type: str
    service_name: str | None
    url: str


def describe_user(clouds: Clouds, cloud: str) -> UserContext:
    """Authenticate as a clouds.yaml entry and read its user and compute regions."""
    entry = clouds.entry(cloud)
    with openstack_errors(cloud, None):
        connection = clouds.connect(Scope(cloud))
        access = connection.session.auth.get_access(connection.session)

    regions: list[str] = []
    for endpoint in _catalog_entries(access.service_catalog.catalog):
        if endpoint.service_type != "compute" or endpoint.interface != entry.interface:
            continue
        if endpoint.region and endpoint.region not in regions:
            regions.append(endpoint.region)

    return UserContext(
        cloud=cloud,
        user_id=access.user_id,
        project_id=access.project_id,
        compute_regions=tuple(regions),
    )


def list_user_projects(clouds: Clouds, cloud: str, user_id: str) -> list[ProjectRecord]:
    """List every project the user has a role on (GET /v3/users/{id}/projects)."""
    with openstack_errors(cloud, None):
        connection = clouds.connect(Scope(cloud))
        projects = [
            ProjectRecord(
                id=project.id,
                name=project.name,
                domain_id=project.domain_id,
                description=project.description or None,
                enabled=project.is_enabled is not False,
            )
            for project in connection.identity.user_projects(user_id)
        ]
    logger.info("cloud %s: user %s has %d projects", cloud, user_id, len(projects))
    return projects


def list_catalog(clouds: Clouds, scope: Scope) -> list[CatalogEntry]:
    """Return the service catalog of a token scoped to the scope's project."""
    with openstack_errors(scope.cloud, scope.region):
        connection = clouds.connect(scope)
        access = connection.session.auth.get_access(connection.session)
    return _catalog_entries(access.service_catalog.catalog)


def _catalog_entries(catalog: list[dict]) -> list[CatalogEntry]:
    entries = []
    for service in catalog or []:
        for endpoint in service.get("endpoints", []):
            entries.append(
                CatalogEntry(
                    region=endpoint.get("region_id") or endpoint.get("region") or "",
                    interface=endpoint.get("interface", ""),
                    service_type=service.get("type", ""),
                    service_name=service.get("name"),
                    url=endpoint.get("url", ""),
                )
            )
    return entries
