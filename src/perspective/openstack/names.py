"""Flavor ids and image names for instances, looked up in parallel and cached briefly.

Since compute API 2.47 a server embeds its flavor's name but not its id, and
only its image's id, so showing an instance takes a flavor list and an
image GET besides the server itself. Both change rarely, so each scope
keeps them for `TTL_SECONDS`; within that time a renamed image or flavor
may show its old name.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from openstack import exceptions as sdk_exceptions

from perspective.openstack.clouds import Scope

__all__ = ["TTL_SECONDS", "clear", "flavor_ids_later", "image_names"]

TTL_SECONDS = 60.0
LOOKUP_WORKERS = 16

_pool = ThreadPoolExecutor(max_workers=LOOKUP_WORKERS, thread_name_prefix="perspective-names")
_lock = threading.Lock()
_flavors: dict[Scope, tuple[float, dict[str, str]]] = {}
_images: dict[tuple[Scope, str], tuple[float, str | None]] = {}


def flavor_ids_later(connection, scope: Scope) -> Future:
    """Start looking up the scope's flavor ids by name; the Future gives the dict.

    The lookup runs beside the caller's own request, so a list or a show
    costs one round trip to Nova instead of two.
    """
    with _lock:
        cached = _flavors.get(scope)
    if cached and time.monotonic() - cached[0] < TTL_SECONDS:
        done: Future = Future()
        done.set_result(cached[1])
        return done
    return _pool.submit(contextvars.copy_context().run, _load_flavors, connection, scope)


def image_names(connection, scope: Scope, image_ids: Iterable[str | None]) -> dict[str, str]:
    """Return the names of these images, asking Glance in parallel for unknown ones.

    One GET per distinct image: servers of a project share few images, while
    listing every visible image can mean a whole public catalogue. An image
    that is gone or not visible has no name.
    """
    now = time.monotonic()
    names: dict[str, str] = {}
    missing: list[str] = []
    with _lock:
        for image_id in {image_id for image_id in image_ids if image_id}:
            cached = _images.get((scope, image_id))
            if cached and now - cached[0] < TTL_SECONDS:
                if cached[1] is not None:
                    names[image_id] = cached[1]
            else:
                missing.append(image_id)

    futures = {
        image_id: _pool.submit(contextvars.copy_context().run, _image_name, connection, image_id)
        for image_id in sorted(missing)
    }
    for image_id, future in futures.items():
        name = future.result()
        with _lock:
            _images[(scope, image_id)] = (time.monotonic(), name)
        if name is not None:
            names[image_id] = name
    return names


def _load_flavors(connection, scope: Scope) -> dict[str, str]:
    flavors = {flavor.name: flavor.id for flavor in connection.compute.flavors(details=False)}
    with _lock:
        _flavors[scope] = (time.monotonic(), flavors)
    return flavors


def _image_name(connection, image_id: str) -> str | None:
    try:
        return connection.image.get_image(image_id).name
    except (sdk_exceptions.NotFoundException, sdk_exceptions.ForbiddenException):
        return None


def clear() -> None:
    """Forget every cached name, as if the process had just started."""
    with _lock:
        _flavors.clear()
        _images.clear()
