"""The objects every service function needs, built once per application."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol, TypeVar

from openstack.config import OpenStackConfig

from perspective.errors import InvalidRequest, RegionsFailed
from perspective.models.common import RegionError
from perspective.openstack import Clouds, Scope
from perspective.services.fanout import FanOut, gather_items
from perspective.services.projects import ProjectDirectory
from perspective.settings import Settings

__all__ = ["InstanceIndex", "Services"]

ItemT = TypeVar("ItemT")


class InstanceIndex(Protocol):
    """Instance ids of a scope that Perspective has already listed, readable without a Nova call."""

    def instance_ids(self, scope: Scope) -> Collection[str]:
        """Return the ids of the scope's instances as last synced; empty when unknown."""
        ...


@dataclass
class Services:
    """Settings, the clouds registry, the fan-out runner and the project directory."""

    settings: Settings
    clouds: Clouds
    fan_out: FanOut
    projects: ProjectDirectory
    instance_index: InstanceIndex | None = None
    """Set once the inventory exists; bulk actions skip Nova's ownership GET for ids it holds."""

    @classmethod
    def create(cls, settings: Settings, config: OpenStackConfig | None = None) -> Services:
        """Build the services; raises ConfigurationError for unusable settings."""
        clouds = Clouds(settings, config)
        fan_out = FanOut(max_workers=settings.max_workers, timeout=settings.region_timeout)
        projects = ProjectDirectory(clouds, fan_out, ttl=settings.project_cache_ttl)
        return cls(settings=settings, clouds=clouds, fan_out=fan_out, projects=projects)

    def in_project_regions(
        self,
        project_id: str,
        call: Callable[[Clouds, Scope], list[ItemT]],
    ) -> tuple[list[ItemT], list[RegionError]]:
        """Run `call(clouds, scope)` in every enabled region of a project, in parallel.

        Returns the items of the regions that responded and one error per
        region that failed. Raises NotFound for an unknown project.
        """
        project = self.projects.get(project_id)
        outcomes = self.fan_out.run(
            lambda scope: call(self.clouds, scope), self.projects.scopes(project)
        )
        items, errors = gather_items(outcomes)
        failures = [outcome.error for outcome in outcomes if not outcome.ok]
        if outcomes and len(failures) == len(outcomes):
            # With no region responding, an empty list would read as "there is
            # nothing", so the caller gets the first region's failure instead.
            regions = ", ".join(error.region or error.cloud or "?" for error in failures)
            raise RegionsFailed(
                f"every region of project {project_id} failed ({regions}): {failures[0].detail}",
                failures[0],
                errors,
            )
        return items, errors

    def select_clouds(self, cloud: str | None, *, one: bool) -> list[str]:
        """Return the entries a `cloud` query parameter selects.

        Without a value, every entry is selected, unless `one` is set and
        several entries are configured: then the request is ambiguous.
        """
        names = list(self.clouds.entries)
        if cloud is not None:
            if cloud not in self.clouds.entries:
                raise InvalidRequest(
                    f"unknown cloud {cloud!r}; choose one of: {', '.join(names)}",
                    field="cloud",
                )
            return [cloud]
        if one and len(names) > 1:
            raise InvalidRequest(
                f"several clouds are configured; choose one with ?cloud=: {', '.join(names)}",
                field="cloud",
            )
        return names
