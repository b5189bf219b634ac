"""Neutron networks with their subnets."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from perspective.models.common import ItemList

__all__ = ["AllocationPool", "Network", "NetworkList", "Subnet"]


class AllocationPool(BaseModel):
    """A range of addresses Neutron hands out."""

    start: str
    end: str


class Subnet(BaseModel):
    """A Neutron subnet, embedded in its network. Field names are Neutron's."""

    id: str
    name: str | None = None
    cidr: str
    ip_version: int
    gateway_ip: str | None = None
    enable_dhcp: bool = True
    allocation_pools: list[AllocationPool] = Field(default_factory=list)
    dns_nameservers: list[str] = Field(default_factory=list)
    project_id: str | None = None


class Network(BaseModel):
    """A Neutron network in one region. Field names are Neutron's."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    name: str | None = None
    status: str | None = None
    project_id: str | None = None
    shared: bool = False
    admin_state_up: bool = True
    router_external: bool = Field(
        default=False,
        alias="router:external",
        description="True for an external network, the source of floating IPs.",
    )
    mtu: int | None = None
    availability_zones: list[str] = Field(default_factory=list)
    description: str | None = None
    subnets: list[Subnet] = Field(default_factory=list)
    region: str
    cloud: str


class NetworkList(ItemList[Network]):
    """Networks of every enabled region of a project."""
