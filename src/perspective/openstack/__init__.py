"""The only layer that talks to OpenStack, always through openstacksdk.

Nothing here imports FastAPI. Every public function takes the `Clouds`
registry and a `Scope`, and raises only `perspective.errors` exceptions.
"""

from perspective.openstack.clouds import CloudEntry, Clouds, Scope

__all__ = ["CloudEntry", "Clouds", "Scope"]
