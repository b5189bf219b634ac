"""The `fresh` query parameter of list endpoints and the age of a list's data."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request, Response

from perspective.models.common import ItemList
from perspective.services.instances import InstanceSource, NovaInstances
from perspective.services.inventory import Inventory, ListReport

__all__ = ["finish", "instance_source", "inventory_of"]

ListT = TypeVar("ListT", bound=ItemList)

def inventory_of(request: Request) -> Inventory | None:
    """Return the application's inventory, or None when it is disabled."""
    return getattr(request.app.state, "inventory", None)


def instance_source(
    request: Request, source: InstanceSource, fresh: bool
) -> tuple[InstanceSource, ListReport]:
    """Return the source a list should use, and the report that will carry its data age."""
    report = ListReport()
    if fresh:
        report.read_now()
        return NovaInstances(request.app.state.services.clouds), report
    if isinstance(source, Inventory):
        return source.reporting(report), report
    # Any other source reads OpenStack on each request.
    report.read_now()
    return source, report


def finish(body: ListT, report: ListReport, response: Response) -> ListT:
    """Add the report's data age and stale regions to a list, and set the `Age` header."""
    body.errors.extend(report.errors)
    body.data_age = report.data_age
    if body.data_age is not None:
        # RFC 9111 `Age`: whole seconds since the data was read at its origin.
        response.headers["Age"] = str(int(body.data_age))
    return body
