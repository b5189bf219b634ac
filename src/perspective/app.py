"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI
from openstack.config import OpenStackConfig

from perspective import __version__
from perspective.auth import authenticate
from perspective.logs import register_secret
from perspective.middleware import RequestContextMiddleware
from perspective.problems import install_problem_handlers
from perspective.routers import (
    availability_zones,
    events,
    flavors,
    health,
    images,
    instance_actions,
    instances,
    keypairs,
    metrics,
    networks,
    projects,
)
from perspective.services import bulk
from perspective.services.container import Services
from perspective.services.instances import NovaInstances
from perspective.services.inventory import create_inventory
from perspective.settings import Settings, load_settings

__all__ = ["create_app"]

DESCRIPTION = """\
One HTTP API in front of many OpenStack projects and regions.

Lists span every enabled region and return `items`, `errors` (one entry per
region or cloud that failed) and `next`. Errors are RFC 9457 problem details.
Every endpoint but `/health` and these docs needs `Authorization: Bearer <token>`.
"""


def create_app(
    settings: Settings | None = None, openstack_config: OpenStackConfig | None = None
) -> FastAPI:
    """Build the application.

    Without arguments, settings come from `PERSPECTIVE_CONFIG` and the
    environment, and clouds.yaml is found the way openstacksdk finds it.
    Raises ConfigurationError when either cannot be used.
    """
    settings = settings or load_settings()
    services = Services.create(settings, openstack_config)
    bulk.set_concurrency(settings.bulk_concurrency)
    for token in settings.api_tokens:
        register_secret(token.get_secret_value())
    for secret in services.clouds.secrets():
        register_secret(secret)

    register_secret(urlsplit(settings.inventory.redis_url.get_secret_value()).password)
    inventory = create_inventory(services)
    services.instance_index = inventory

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if inventory is not None:
            inventory.start()
        try:
            yield
        finally:
            if inventory is not None:
                inventory.stop()

    app = FastAPI(title="Perspective", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.services = services
    app.state.inventory = inventory
    app.state.instance_source = inventory or NovaInstances(services.clouds)
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    app.include_router(health.router)
    protected = [Depends(authenticate)]
    for module in (
        projects,
        flavors,
        networks,
        availability_zones,
        keypairs,
        images,
        metrics,
        instances,
        instance_actions,
        events,
    ):
        app.include_router(module.router, dependencies=protected)
    return app
