"""The projects every configured user can reach, and the regions enabled for each."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from perspective.errors import CloudError, InvalidRequest, NotFound
from perspective.models.common import RegionError
from perspective.models.projects import CatalogEndpoint, Project, ProjectAccess, ProjectList
from perspective.openstack import Clouds, Scope
from perspective.openstack import identity
from perspective.services.fanout import FanOut

__all__ = ["ProjectDirectory"]

logger = logging.getLogger(__name__)


@dataclass
class _Snapshot:
    projects: dict[str, Project] = field(default_factory=dict)
    errors: list[RegionError] = field(default_factory=list)
    taken_at: float = float("-inf")


class ProjectDirectory:
    """Finds projects across clouds.yaml entries and resolves a project id.

    Each entry's user lists its projects through Keystone. A project that two
    entries reach (same Keystone, same project id) is served by the entry
    that comes first in the settings, or in clouds.yaml when the settings
    select no entries. The merged list is cached for `ttl` seconds, and a
    project id missing from the cache forces a refresh, so a newly granted
    project is found at once.
    """

    def __init__(self, clouds: Clouds, fan_out: FanOut, ttl: float) -> None:
        self._clouds = clouds
        self._fan_out = fan_out
        self._ttl = ttl
        self._snapshot = _Snapshot()
        self._users: dict[str, tuple[float, identity.UserContext]] = {}
        self._lock = threading.Lock()

    def list_projects(self) -> ProjectList:
        """Ask every entry's Keystone for its user's projects, bypassing the cache."""
        snapshot = self._refresh()
        return ProjectList(items=list(snapshot.projects.values()), errors=snapshot.errors)

    def get(self, project_id: str) -> Project:
        """Return a project by id.

        Raises NotFound when no entry reaches it, or the error of a cloud
        that failed, because the project may be in that cloud.
        """
        snapshot = self._snapshot
        project = snapshot.projects.get(project_id)
        if project is not None and not self._expired(snapshot):
            return project

        snapshot = self._refresh()
        project = snapshot.projects.get(project_id)
        if project is not None:
            return project

        if snapshot.errors:
            failed = "; ".join(error.reason for error in snapshot.errors)
            raise CloudError(
                f"project {project_id} was not found in the clouds that responded,"
                f" and it may be in one that failed: {failed}"
            )
        raise NotFound(
            f"project {project_id} not found in any configured cloud;"
            " GET /projects lists the projects available"
        )

    def resolve(self, key: str) -> str:
        """Return the id of the project `key` names: its id, or a name only one project has.

        Operators type project names, as the openstack CLI accepts them. A
        name that several reachable projects share is rejected with their
        ids. A key that matches nothing is returned as it is, so that `get`
        reports it as not found.
        """
        snapshot = self._snapshot
        if self._expired(snapshot):
            snapshot = self._refresh()
        return self._resolve_in(snapshot, key)

    def resolve_cached(self, key: str) -> str | None:
        """Return what `resolve` returns, or None when that would need Keystone first."""
        snapshot = self._snapshot
        if self._expired(snapshot):
            return None
        return self._resolve_in(snapshot, key)

    @staticmethod
    def _resolve_in(snapshot: _Snapshot, key: str) -> str:
        if key in snapshot.projects:
            return key

        named = [project for project in snapshot.projects.values() if project.name == key]
        if len(named) > 1:
            choices = ", ".join(f"{project.id} (cloud {project.cloud})" for project in named)
            raise InvalidRequest(
                f"several projects are named {key!r}: {choices}; use the project id",
                field="project_id",
            )
        return named[0].id if named else key

    def get_region(self, project_id: str, region: str) -> Project:
        """Return a project after checking that `region` is enabled for it."""
        project = self.get(project_id)
        if region not in project.regions:
            enabled = ", ".join(project.regions) or "none"
            raise NotFound(
                f"region {region} is not enabled for project {project_id};"
                f" enabled regions: {enabled}"
            )
        return project

    def scopes(self, project: Project) -> list[Scope]:
        """Return one scope per enabled region of a project."""
        return [Scope(project.cloud, region, project.id) for region in project.regions]

    def cloud_regions(self, cloud: str) -> list[str]:
        """Return the regions enabled for a clouds.yaml entry."""
        return self._regions(cloud, self._user(cloud))

    def access(self, project_id: str) -> ProjectAccess:
        """Return a project's service catalog, grouped by region and interface."""
        project = self.get(project_id)
        catalog = identity.list_catalog(self._clouds, Scope(project.cloud, None, project.id))

        regions: dict[str, dict[str, list[CatalogEndpoint]]] = {}
        for entry in catalog:
            by_interface = regions.setdefault(entry.region, {})
            by_interface.setdefault(entry.interface, []).append(
                CatalogEndpoint(type=entry.service_type, name=entry.service_name, url=entry.url)
            )
        ordered = {
            region: {
                interface: sorted(endpoints, key=lambda endpoint: (endpoint.type, endpoint.name or ""))
                for interface, endpoints in sorted(regions[region].items())
            }
            for region in sorted(regions)
        }
        return ProjectAccess(project_id=project.id, cloud=project.cloud, regions=ordered)

    def _expired(self, snapshot: _Snapshot) -> bool:
        return time.monotonic() - snapshot.taken_at > self._ttl

    def _refresh(self) -> _Snapshot:
        scopes = [Scope(name) for name in self._clouds.entries]
        outcomes = self._fan_out.run(self._projects_of_cloud, scopes)

        snapshot = _Snapshot(taken_at=time.monotonic())
        served_by: dict[tuple[str, str], str] = {}
        for outcome in outcomes:
            if not outcome.ok:
                snapshot.errors.append(outcome.region_error())
                continue
            for project in outcome.value:
                key = (self._clouds.entry(project.cloud).identity_key, project.id)
                if key in served_by:
                    logger.debug(
                        "project %s is reachable through %s and %s; %s serves it",
                        project.id,
                        served_by[key],
                        project.cloud,
                        served_by[key],
                    )
                    continue
                served_by[key] = project.cloud
                # NOTE: URLs carry the project id alone, so if two different
                # Keystones ever used the same id, only the first project is reachable.
                snapshot.projects.setdefault(project.id, project)

        with self._lock:
            self._snapshot = snapshot
        return snapshot

    def _projects_of_cloud(self, scope: Scope) -> list[Project]:
        user = self._user(scope.cloud, fresh=True)
        regions = self._regions(scope.cloud, user)
        records = identity.list_user_projects(self._clouds, scope.cloud, user.user_id)
        return [
            Project(
                id=record.id,
                name=record.name,
                domain_id=record.domain_id,
                description=record.description,
                enabled=record.enabled,
                cloud=scope.cloud,
                regions=regions,
            )
            for record in records
        ]

    def _user(self, cloud: str, fresh: bool = False) -> identity.UserContext:
        with self._lock:
            cached = self._users.get(cloud)
        if cached is not None and not fresh and time.monotonic() - cached[0] <= self._ttl:
            return cached[1]

        user = identity.describe_user(self._clouds, cloud)
        with self._lock:
            self._users[cloud] = (time.monotonic(), user)
        return user

    def _regions(self, cloud: str, user: identity.UserContext) -> list[str]:
        entry = self._clouds.entry(cloud)
        if entry.enabled_regions is not None:
            return list(entry.enabled_regions)

        regions = list(user.compute_regions)
        if entry.clouds_yaml_regions:
            # openstacksdk refuses a region that the entry's `regions` list
            # lacks, so the catalog's other regions cannot be used anyway.
            skipped = [region for region in regions if region not in entry.clouds_yaml_regions]
            if skipped:
                logger.warning(
                    "cloud %s: catalog regions %s are not in the clouds.yaml regions list; skipped",
                    cloud,
                    ", ".join(skipped),
                )
            # In the order clouds.yaml lists them, because Keystone's catalog
            # order is arbitrary and can change from one token to the next.
            return [region for region in entry.clouds_yaml_regions if region in regions]
        return sorted(regions)

