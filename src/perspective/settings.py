"""Perspective's own settings: one typed object, read once at startup.

The settings file is YAML::

    api_tokens: [s3cret]            # bearer tokens that may call the API
    clouds:                         # clouds.yaml entries to use
      mycloud-prod:
        regions: [RegionOne]        # omit to enable every compute region
      mycloud-dev: {}
    request_timeout: 20             # seconds to read one OpenStack response
    connect_timeout: 5
    read_retries: 2
    region_timeout: 30
    max_workers: 8
    inventory:                      # synced lists; see InventorySettings
      backend: memory               # or redis, with redis_url
      sync_interval: 10

Environment variables override the file: ``PERSPECTIVE_API_TOKENS`` and
``PERSPECTIVE_CLOUDS`` (comma-separated), and ``PERSPECTIVE_CONFIG`` names
the file when ``--config`` does not. Cloud credentials never appear here:
they stay in clouds.yaml, which openstacksdk finds on its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import yaml
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from perspective.errors import ConfigurationError

__all__ = ["CloudSettings", "InventorySettings", "Settings", "load_settings"]

logger = logging.getLogger(__name__)

ENV_CONFIG = "PERSPECTIVE_CONFIG"
ENV_TOKENS = "PERSPECTIVE_API_TOKENS"
ENV_CLOUDS = "PERSPECTIVE_CLOUDS"


class CloudSettings(BaseModel):
    """Settings for one clouds.yaml entry."""

    model_config = ConfigDict(extra="forbid")

    regions: list[str] | None = Field(
        default=None,
        min_length=1,
        description=(
            "Regions to use. Unset means every region of the service catalog"
            " that has a compute endpoint."
        ),
    )


class InventorySettings(BaseModel):
    """The synced inventory that instance and image lists are served from."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        default=True,
        description=(
            "Serve instance lists from the synced inventory. When false, every list"
            " asks Nova and Glance on each request."
        ),
    )
    images: bool = Field(
        default=True, description="Serve image lists from the inventory too (needs `enabled`)."
    )
    backend: Literal["memory", "redis"] = Field(
        default="memory",
        description=(
            "Where the inventory and its change feed live: `memory` (this process only)"
            " or `redis`, shared by every replica, with one replica syncing each scope."
        ),
    )
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"),
        description="Redis URL for the `redis` backend; it may contain a password.",
    )
    redis_prefix: str = Field(
        default="perspective",
        min_length=1,
        description="Prefix of every Redis key; replicas that share data use the same prefix.",
    )
    startup: Literal["all_projects", "on_demand"] = Field(
        default="all_projects",
        description=(
            "`all_projects` starts syncing every region of every known project at startup;"
            " `on_demand` syncs a region of a project from its first list on."
        ),
    )
    sync_interval: float = Field(
        default=10.0, gt=0, description="Seconds between two incremental syncs of one scope."
    )
    full_resync_interval: float = Field(
        default=600.0,
        gt=0,
        description=(
            "Seconds between two full lists of one scope, which repair drift and find"
            " deleted images, which incremental syncs cannot see."
        ),
    )
    change_overlap: float = Field(
        default=5.0,
        ge=0,
        description=(
            "Seconds an incremental sync reaches back before the previous sync's start,"
            " to cover clock skew between Perspective and OpenStack."
        ),
    )
    sync_workers: int = Field(
        default=4, ge=1, description="Maximum scopes synced at the same time."
    )
    first_sync_wait: float = Field(
        default=5.0,
        ge=0,
        description=(
            "Seconds a list waits for the first sync of a scope before it asks"
            " OpenStack directly instead."
        ),
    )
    lease_ttl: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds a replica's lease on a scope lasts without renewal (`redis` backend);"
            " another replica takes the scope over once it expires."
        ),
    )
    event_buffer: int = Field(
        default=10_000,
        ge=1,
        description="Change events kept for `GET /events` clients that resume with Last-Event-ID.",
    )
    heartbeat_interval: float = Field(
        default=15.0, gt=0, description="Seconds between heartbeat comments on `GET /events`."
    )

    @model_validator(mode="after")
    def _check_lease(self) -> InventorySettings:
        # The holder renews its lease once per sync, so a lease shorter than
        # two intervals would pass to another replica between two renewals.
        if self.lease_ttl < 2 * self.sync_interval:
            raise ValueError(
                f"lease_ttl ({self.lease_ttl:g} s) must be at least twice"
                f" sync_interval ({self.sync_interval:g} s)"
            )
        return self


class Settings(BaseModel):
    """Everything Perspective reads from its settings file and environment."""

    model_config = ConfigDict(extra="forbid")

    api_tokens: list[SecretStr] = Field(
        default_factory=list,
        description="Bearer tokens accepted on every endpoint but /health and the docs.",
    )
    clouds: dict[str, CloudSettings] | None = Field(
        default=None,
        description="clouds.yaml entries to use, in order. Unset means every entry.",
    )
    request_timeout: float = Field(
        default=20.0,
        gt=0,
        description="Seconds to wait for one HTTP request to an OpenStack service.",
    )
    region_timeout: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds a request that spans regions waits for one region"
            " before reporting it as timed out."
        ),
    )
    connect_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds to wait for a TCP connection to an OpenStack endpoint.",
    )
    read_retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description=(
            "Retries of a read (GET, HEAD) or token request after a connection"
            " failure, a timeout or a 502/503/504, with exponential backoff."
            " Other requests are never retried."
        ),
    )
    image_upload_max_size: int = Field(
        default=1024**4,
        gt=0,
        description="Largest image upload accepted, in bytes; 1 TiB, Glance's own default cap.",
    )
    bulk_concurrency: int = Field(
        default=64,
        ge=1,
        le=256,
        description=(
            "Per-id OpenStack calls one bulk action runs at the same time; bounds"
            " the load one request puts on a cloud's API."
        ),
    )
    max_workers: int = Field(
        default=8,
        ge=1,
        description="Maximum regions or clouds one request asks at the same time.",
    )
    project_cache_ttl: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a looked-up list of the users' projects stays valid.",
    )
    inventory: InventorySettings = Field(
        default_factory=InventorySettings,
        description="The synced inventory behind instance and image lists.",
    )


def load_settings(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read the settings file (if any) and apply the environment overrides.

    Raises ConfigurationError with a message fit for an operator when the
    file is missing or invalid, or when no API token is configured.
    """
    environ = os.environ if environ is None else environ
    path = path or environ.get(ENV_CONFIG) or None
    data = _read_settings_file(Path(path)) if path else {}

    tokens = _split_list(environ.get(ENV_TOKENS))
    if tokens:
        data["api_tokens"] = tokens

    cloud_names = _split_list(environ.get(ENV_CLOUDS))
    if cloud_names:
        configured = data.get("clouds") or {}
        data["clouds"] = {name: configured.get(name) or {} for name in cloud_names}

    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(f"invalid settings: {_describe(exc)}") from None

    if not settings.api_tokens:
        raise ConfigurationError(
            f"no API token configured: set api_tokens in the settings file"
            f" or {ENV_TOKENS}"
        )
    return settings


def _read_settings_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read settings file {path}: {exc.strerror}"
        ) from None

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"settings file {path} is not valid YAML: {exc}") from None

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"settings file {path} must contain a YAML mapping")

    # An entry written as `name:` with nothing under it means "defaults".
    clouds = data.get("clouds")
    if isinstance(clouds, dict):
        data["clouds"] = {name: value or {} for name, value in clouds.items()}
    return data


def _split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


def _describe(exc: ValidationError) -> str:
    # Only locations and messages: an input value may be a token.
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        location = ".".join(str(part) for part in error["loc"])
        parts.append(f"{location}: {error['msg']}")
    return "; ".join(parts)
