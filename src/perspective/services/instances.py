"""Reading a project's instances: lists, one instance, its console and its log.

Lists come from an `InstanceSource`. `NovaInstances` lists the servers in
Nova on every request. A synced in-memory inventory can take its place by
implementing the same protocol. Filters, sort order and pages stay the
same, because they are applied here to whatever the source returns.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from perspective.errors import InvalidRequest
from perspective.models.common import RegionError
from perspective.models.instances import Instance, InstanceQuery
from perspective.openstack import Clouds, Scope, servers
from perspective.services.container import Services
from perspective.services.inventory_store import Listing

__all__ = [
    "InstancePage",
    "InstanceSource",
    "NovaInstances",
    "canonical_id",
    "console_log",
    "console_url",
    "get_instance",
    "list_project_instances",
    "list_region_instances",
    "region_scope",
]

logger = logging.getLogger(__name__)


class InstanceSource(Protocol):
    """A source of instance lists."""

    def list_instances(self, scope: Scope, query: InstanceQuery) -> list[Instance]:
        """Return the instances of the scope's project in the scope's region.

        The source may leave out instances that `query` filters out, but
        need not: the caller applies every filter again.
        """
        ...


class NovaInstances:
    """An InstanceSource that lists the servers in Nova each time."""

    def __init__(self, clouds: Clouds) -> None:
        self._clouds = clouds

    def list_instances(self, scope: Scope, query: InstanceQuery) -> list[Instance]:
        # Nova's `tags` filter keeps servers with all the tags, as `tag`
        # does; Nova's name and ip filters are regular expressions, so
        # those are applied here only.
        return servers.list_instances(self._clouds, scope, tags=query.tag)


@dataclass(frozen=True)
class InstancePage:
    """One page of a filtered, sorted instance list."""

    items: list[Instance]
    errors: list[RegionError] = field(default_factory=list)
    next_marker: str | None = None
    """Id of the page's last instance when more follow, else None."""


def region_scope(services: Services, project_id: str, region: str) -> Scope:
    """Return the scope of one enabled region of a project; NotFound otherwise."""
    project = services.projects.get_region(project_id, region)
    return Scope(project.cloud, region, project.id)


def canonical_id(value: str) -> str | None:
    """Return an instance id as Nova writes UUIDs (lowercase, hyphenated), or None.

    Any spelling Python's uuid module reads is accepted, so that the same
    id in upper case counts as a repeat in a bulk request.
    """
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def list_region_instances(
    services: Services, source: InstanceSource, project_id: str, region: str, query: InstanceQuery
) -> InstancePage:
    """List one region's instances of a project, filtered, sorted and paged.

    A single region has nothing to fall back on, so its failure is raised.
    """
    scope = region_scope(services, project_id, region)
    return _page(source.list_instances(scope, query), query)


def list_project_instances(
    services: Services, source: InstanceSource, project_id: str, query: InstanceQuery
) -> InstancePage:
    """List a project's instances in every enabled region, asked in parallel.

    A region that fails is reported in `errors`, and the page is taken from
    the instances of the regions that responded.
    """
    # Each region's list stays whole (a one-item list per region), so that
    # regions served from stored listings can share a cached view.
    parts, errors = services.in_project_regions(
        project_id, lambda clouds, scope: [source.list_instances(scope, query)]
    )
    if parts and all(isinstance(part, Listing) for part in parts):
        ordered = _ORDERINGS.get(
            tuple(parts), _view(query), lambda: _filtered_and_sorted(itertools.chain(*parts), query)
        )
    else:
        ordered = _filtered_and_sorted(itertools.chain(*parts), query)
    page = _page_of(ordered, query)
    return InstancePage(items=page.items, errors=errors, next_marker=page.next_marker)


def get_instance(services: Services, project_id: str, region: str, instance_id: str) -> Instance:
    """Return one instance, with its fault if it has one."""
    scope = region_scope(services, project_id, region)
    return servers.get_instance(services.clouds, scope, _server_id(scope, instance_id))


def console_url(
    services: Services, project_id: str, region: str, instance_id: str, console_type: str
) -> str:
    """Return the URL of a new remote console; Conflict when Nova cannot give one."""
    scope = region_scope(services, project_id, region)
    return servers.console_url(services.clouds, scope, _server_id(scope, instance_id), console_type)


def console_log(
    services: Services, project_id: str, region: str, instance_id: str, lines: int | None
) -> str:
    """Return an instance's console log, or its last `lines` lines."""
    scope = region_scope(services, project_id, region)
    return servers.console_log(services.clouds, scope, _server_id(scope, instance_id), lines)


def _server_id(scope: Scope, instance_id: str) -> str:
    server_id = canonical_id(instance_id)
    if server_id is None:
        raise servers.not_found(scope, instance_id)
    return server_id


def _page(instances: Sequence[Instance], query: InstanceQuery) -> InstancePage:
    if isinstance(instances, Listing):
        # A stored listing is filtered and sorted once per query; the next
        # pages and the next polls of the same view reuse that order.
        ordered = _ORDERINGS.get((instances,), _view(query), lambda: _filtered_and_sorted(instances, query))
    else:
        ordered = _filtered_and_sorted(instances, query)
    return _page_of(ordered, query)


def _page_of(ordered: list[Instance], query: InstanceQuery) -> InstancePage:
    """Return the page of an already filtered and sorted list that the query's marker and limit select."""
    start = 0
    if query.marker is not None:
        position = next((index for index, instance in enumerate(ordered) if instance.id == query.marker), None)
        if position is None:
            raise InvalidRequest(
                f"marker {query.marker} is not in the list: that instance was deleted or no"
                " longer matches the filters; start again without marker",
                field="marker",
            )
        start = position + 1

    page = ordered[start : start + query.limit]
    more = len(ordered) > start + query.limit
    return InstancePage(items=page, next_marker=page[-1].id if more else None)


def _view(query: InstanceQuery) -> str:
    """Return what decides a query's instances and their order: all of it but the page."""
    return query.model_dump_json(exclude={"marker", "limit"})


def _filtered_and_sorted(instances: Iterable[Instance], query: InstanceQuery) -> list[Instance]:
    matches = _filter(query)
    return _sorted([instance for instance in instances if matches(instance)], tuple(query.sort_keys()))


def _filter(query: InstanceQuery) -> Callable[[Instance], bool]:
    """Return a predicate for the query's filters, each parsed once per request.

    An inventory list can hold thousands of instances, so nothing that
    depends only on the query is computed again per instance.
    """
    name = query.name.casefold() if query.name is not None else None
    statuses = set(query.status or ())
    tags = set(query.tag or ())
    network = query.ip_network()

    def matches(instance: Instance) -> bool:
        if name is not None and name not in instance.name.casefold():
            return False
        if statuses and instance.status not in statuses:
            return False
        if tags and not tags <= set(instance.tags):
            return False
        if network is not None:
            addresses = (
                ipaddress.ip_address(address.addr)
                for entries in instance.addresses.values()
                for address in entries
            )
            if not any(address.version == network.version and address in network for address in addresses):
                return False
        return True

    return matches


def _sorted(instances: Iterable[Instance], sort_keys: tuple[tuple[str, bool], ...]) -> list[Instance]:
    # Python's sort is stable: sorting by the tie-breakers first and then
    # by each key from the last to the first gives the requested order.
    ordered = sorted(instances, key=lambda instance: (instance.region, instance.id))
    for key, descending in reversed(sort_keys):
        ordered.sort(key=lambda instance: _sort_value(instance, key, descending), reverse=descending)
    return ordered


class _Orderings:
    """Filtered, sorted copies of stored listings, the most recently used few.

    Keyed by the listings themselves, one per region: a sync stores a new
    listing, so a copy never outlives the data it was made from.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._copies: OrderedDict[tuple[tuple[int, ...], str], tuple[tuple[Listing, ...], list[Instance]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(
        self, listings: tuple[Listing, ...], view: str, make: Callable[[], list[Instance]]
    ) -> list[Instance]:
        key = (tuple(id(listing) for listing in listings), view)
        with self._lock:
            entry = self._copies.get(key)
            # The id of a listing that was dropped may be reused by a new one.
            if entry is not None and all(kept is listing for kept, listing in zip(entry[0], listings)):
                self._copies.move_to_end(key)
                return entry[1]
        ordered = make()
        with self._lock:
            self._copies[key] = (listings, ordered)
            self._copies.move_to_end(key)
            while len(self._copies) > self._size:
                self._copies.popitem(last=False)
        return ordered


# A few views of each of a few busy scopes; each copy is a list of
# references, at most 8 bytes an instance.
_ORDERINGS = _Orderings(size=64)


def _sort_value(instance: Instance, key: str, descending: bool) -> tuple:
    value = getattr(instance, key)
    if isinstance(value, str):
        value = value.casefold()
    # Missing values go last in either direction.
    present = value is not None
    return (present, value) if descending else (not present, value)
