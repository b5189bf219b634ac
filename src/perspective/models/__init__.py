"""Pydantic schemas of every request and response body."""

from perspective.models.availability_zones import AvailabilityZone, AvailabilityZoneList
from perspective.models.common import ItemList, RegionError
from perspective.models.flavors import Flavor, FlavorList
from perspective.models.keypairs import Keypair, KeypairCreate, KeypairCreated, KeypairList
from perspective.models.networks import AllocationPool, Network, NetworkList, Subnet
from perspective.models.problems import FieldError, Problem
from perspective.models.projects import CatalogEndpoint, Project, ProjectAccess, ProjectList

__all__ = [
    "AllocationPool",
    "AvailabilityZone",
    "AvailabilityZoneList",
    "CatalogEndpoint",
    "FieldError",
    "Flavor",
    "FlavorList",
    "ItemList",
    "Keypair",
    "KeypairCreate",
    "KeypairCreated",
    "KeypairList",
    "Network",
    "NetworkList",
    "Problem",
    "Project",
    "ProjectAccess",
    "ProjectList",
    "RegionError",
    "Subnet",
]
