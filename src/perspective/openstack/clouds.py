"""The selected clouds.yaml entries and one cached Connection per scope.

clouds.yaml is found the way openstacksdk and the openstack CLI find it
(`OS_CLIENT_CONFIG_FILE`, then `./clouds.yaml`, `~/.config/openstack/`,
`/etc/openstack/`), with secure.yaml merged in. Perspective reads the
entries' non-secret fields for RC files and never copies a password out.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from typing import Any

import openstack.connection
from openstack import exceptions as sdk_exceptions
from openstack.config import OpenStackConfig

from perspective import __version__
from perspective.errors import ConfigurationError
from perspective.openstack.errors import openstack_errors
from perspective.openstack.session import PerspectiveSession
from perspective.settings import Settings

__all__ = ["CloudEntry", "Clouds", "Scope"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scope:
    """Target of an OpenStack call: a clouds.yaml entry, a region, a project.

    `region` None means the entry's default region, which is enough for
    Keystone. `project_id` None means the project the entry itself is scoped
    to, which is right for per-user resources such as keypairs.
    """

    cloud: str
    region: str | None = None
    project_id: str | None = None


@dataclass(frozen=True)
class CloudEntry:
    """The non-secret fields of one selected clouds.yaml entry."""

    name: str
    auth_url: str
    auth_type: str
    username: str | None
    user_domain_name: str | None
    user_domain_id: str | None
    interface: str
    cacert: str | None
    clouds_yaml_regions: tuple[str, ...]
    enabled_regions: tuple[str, ...] | None
    """Regions named in Perspective's settings; None to use the catalog's."""

    @property
    def identity_key(self) -> str:
        """Keystone URL without trailing `/` or `/v3`, to tell two Keystones apart."""
        url = self.auth_url.rstrip("/")
        if url.endswith("/v3"):
            url = url[: -len("/v3")]
        return url


class Clouds:
    """The clouds.yaml entries Perspective uses, and connections to them.

    Building one validates the settings against clouds.yaml without any
    network call, so a wrong entry name stops the service at startup.
    Connections are built on first use and cached per Scope; each one keeps
    its Keystone token until it expires.
    """

    def __init__(self, settings: Settings, config: OpenStackConfig | None = None) -> None:
        self._settings = settings
        try:
            self._config = config or OpenStackConfig(
                app_name="perspective", app_version=__version__
            )
        except sdk_exceptions.ConfigException as exc:
            raise ConfigurationError(f"cannot read clouds.yaml: {exc}") from None
        # NOTE: OpenStackConfig takes `session_constructor` only in its
        # constructor, and a config passed in was built by someone else, so
        # the attribute is set directly. connect_as() builds project-scoped
        # connections from this config, so they get the session too.
        self._config._session_constructor = functools.partial(
            PerspectiveSession,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.request_timeout,
            read_retries=settings.read_retries,
        )

        self.entries: dict[str, CloudEntry] = {}
        for name in self._select_names():
            self.entries[name] = self._load_entry(name)

        self._connections: dict[Scope, openstack.connection.Connection] = {}
        self._lock = threading.Lock()
        logger.info(
            "using clouds.yaml %s, entries: %s",
            self._config.config_filename,
            ", ".join(self.entries),
        )

    def entry(self, name: str) -> CloudEntry:
        """Return a selected entry; KeyError for a name that is not selected."""
        return self.entries[name]

    def secrets(self) -> list[str]:
        """Return the secret values of the selected entries, to mask in logs."""
        found = []
        for name in self.entries:
            auth = self._config.cloud_config["clouds"].get(name, {}).get("auth") or {}
            for key in ("password", "token", "application_credential_secret", "passcode"):
                if auth.get(key):
                    found.append(str(auth[key]))
        return found

    def connect(self, scope: Scope) -> openstack.connection.Connection:
        """Return the cached Connection for a scope, building it on first use.

        Raises ConfigurationError when the entry cannot be used for that
        region (for example a region its clouds.yaml `regions` list lacks).
        """
        with self._lock:
            connection = self._connections.get(scope)
            if connection is None:
                connection = self._build_connection(scope)
                self._connections[scope] = connection
        return connection

    def _select_names(self) -> list[str]:
        available = self._config.get_cloud_names()
        source = self._config.config_filename or "clouds.yaml"

        if self._settings.clouds is None:
            if not available:
                raise ConfigurationError(
                    "no clouds.yaml entry found: create clouds.yaml where the openstack"
                    " CLI looks for it, or set OS_CLIENT_CONFIG_FILE to its path"
                )
            return available

        selected = list(self._settings.clouds)
        unknown = [name for name in selected if name not in available]
        if unknown:
            raise ConfigurationError(
                f"unknown clouds.yaml entries {', '.join(unknown)} in Perspective's"
                f" settings; {source} has: {', '.join(available) or 'no entry'}"
            )
        return selected

    def _load_entry(self, name: str) -> CloudEntry:
        with openstack_errors(name, None):
            cloud_region = self._config.get_one(cloud=name)
        config: dict[str, Any] = cloud_region.config
        auth: dict[str, Any] = config.get("auth") or {}

        if not auth.get("auth_url"):
            raise ConfigurationError(f"clouds.yaml entry {name!r} has no auth_url")

        cloud_settings = (self._settings.clouds or {}).get(name)
        enabled = cloud_settings.regions if cloud_settings else None
        return CloudEntry(
            name=name,
            auth_url=auth["auth_url"],
            auth_type=config.get("auth_type") or "password",
            username=auth.get("username"),
            user_domain_name=auth.get("user_domain_name"),
            user_domain_id=auth.get("user_domain_id"),
            interface=config.get("interface") or "public",
            cacert=config.get("cacert"),
            clouds_yaml_regions=tuple(self._clouds_yaml_regions(name)),
            enabled_regions=tuple(enabled) if enabled else None,
        )

    def _clouds_yaml_regions(self, name: str) -> list[str]:
        raw = self._config.cloud_config["clouds"].get(name, {})
        regions = raw.get("regions") or []
        names = [region["name"] if isinstance(region, dict) else region for region in regions]
        if not names and raw.get("region_name"):
            names = [raw["region_name"]]
        return names

    def _build_connection(self, scope: Scope) -> openstack.connection.Connection:
        logger.info(
            "connecting to cloud %s region %s project %s",
            scope.cloud,
            scope.region or "(default)",
            scope.project_id or "(from clouds.yaml)",
        )
        with openstack_errors(scope.cloud, scope.region):
            cloud_region = self._config.get_one(
                cloud=scope.cloud,
                region_name=scope.region or "",
                api_timeout=self._settings.request_timeout,
            )
            connection = openstack.connection.Connection(config=cloud_region)
            if scope.project_id is not None:
                # connect_as drops the entry's project name and domain, so the
                # token is scoped to this project id alone.
                connection = connection.connect_as(project_id=scope.project_id)
            # The session labels its metrics with these, because a connect_as()
            # connection no longer carries its clouds.yaml entry's name.
            connection.session.metric_labels = (scope.cloud, scope.region or "")
        return connection
