"""Selection of clouds.yaml entries, checked at startup without network."""

from __future__ import annotations

import dataclasses

import pytest

from perspective.errors import ConfigurationError
from perspective.openstack import Clouds
from perspective.settings import Settings


def settings(**values) -> Settings:
    return Settings(api_tokens=["t"], **values)


def test_every_entry_by_default(openstack_config):
    clouds = Clouds(settings(), openstack_config)
    assert list(clouds.entries) == ["alpha", "beta"]


def test_selected_entries_in_settings_order(openstack_config):
    clouds = Clouds(settings(clouds={"beta": {}, "alpha": {"regions": ["R2"]}}), openstack_config)
    assert list(clouds.entries) == ["beta", "alpha"]
    assert clouds.entry("alpha").enabled_regions == ("R2",)
    assert clouds.entry("beta").enabled_regions is None


def test_unknown_entry_is_startup_error(openstack_config):
    with pytest.raises(ConfigurationError) as raised:
        Clouds(settings(clouds={"alpha": {}, "gamma": {}}), openstack_config)
    assert "gamma" in raised.value.detail
    assert "alpha, beta" in raised.value.detail


def test_entry_fields_from_clouds_yaml(openstack_config):
    entry = Clouds(settings(), openstack_config).entry("alpha")
    assert entry.auth_url == "http://127.0.0.1:1/v3"
    assert entry.username == "alice"
    assert entry.user_domain_name == "Default"
    assert entry.interface == "public"
    assert entry.clouds_yaml_regions == ("R1", "R2")


def test_entry_keeps_no_password(openstack_config):
    entry = Clouds(settings(), openstack_config).entry("alpha")
    values = [str(value) for value in dataclasses.asdict(entry).values()]
    assert not any("alpha-password" in value for value in values)


def test_identity_key_ignores_version_suffix(openstack_config):
    entry = Clouds(settings(), openstack_config).entry("alpha")
    other = dataclasses.replace(entry, auth_url="http://127.0.0.1:1/")
    assert entry.identity_key == other.identity_key == "http://127.0.0.1:1"


def test_connection_cached_per_scope(openstack_config):
    from perspective.openstack import Scope

    clouds = Clouds(settings(), openstack_config)
    first = clouds.connect(Scope("alpha", "R1", "p1"))
    assert clouds.connect(Scope("alpha", "R1", "p1")) is first
    assert clouds.connect(Scope("alpha", "R2", "p1")) is not first
    assert first.config.region_name == "R1"
    assert first.config.config["auth"]["project_id"] == "p1"
    assert "project_name" not in first.config.config["auth"]


def test_region_outside_clouds_yaml_list_rejected(openstack_config):
    from perspective.openstack import Scope

    clouds = Clouds(settings(), openstack_config)
    with pytest.raises(ConfigurationError, match="R9"):
        clouds.connect(Scope("alpha", "R9"))
