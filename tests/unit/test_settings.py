"""Perspective's settings file and environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from perspective.errors import ConfigurationError
from perspective.settings import load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "perspective.yaml"
    path.write_text(text)
    return path


def test_file_clouds_and_regions(tmp_path):
    path = write(tmp_path, "api_tokens: [t1]\nclouds:\n  a:\n    regions: [R1]\n  b:\n")
    settings = load_settings(path, environ={})
    assert list(settings.clouds) == ["a", "b"]
    assert settings.clouds["a"].regions == ["R1"]
    assert settings.clouds["b"].regions is None


def test_no_clouds_means_every_entry(tmp_path):
    settings = load_settings(write(tmp_path, "api_tokens: [t1]\n"), environ={})
    assert settings.clouds is None


def test_env_tokens_override_file(tmp_path):
    path = write(tmp_path, "api_tokens: [from-file]\n")
    settings = load_settings(path, environ={"PERSPECTIVE_API_TOKENS": "x, y"})
    assert [token.get_secret_value() for token in settings.api_tokens] == ["x", "y"]


def test_env_clouds_keep_file_regions(tmp_path):
    path = write(tmp_path, "api_tokens: [t]\nclouds:\n  a:\n    regions: [R2]\n  b: {}\n")
    settings = load_settings(path, environ={"PERSPECTIVE_CLOUDS": "c,a"})
    assert list(settings.clouds) == ["c", "a"]
    assert settings.clouds["a"].regions == ["R2"]
    assert settings.clouds["c"].regions is None


def test_config_path_from_env(tmp_path):
    path = write(tmp_path, "api_tokens: [t]\nmax_workers: 3\n")
    settings = load_settings(None, environ={"PERSPECTIVE_CONFIG": str(path)})
    assert settings.max_workers == 3


def test_missing_token_rejected():
    with pytest.raises(ConfigurationError, match="no API token"):
        load_settings(None, environ={})


def test_unknown_key_rejected_without_values(tmp_path):
    path = write(tmp_path, "api_tokens: [t]\npasword: hunter2\n")
    with pytest.raises(ConfigurationError) as raised:
        load_settings(path, environ={})
    assert "pasword" in raised.value.detail
    assert "hunter2" not in raised.value.detail


def test_missing_file_named(tmp_path):
    with pytest.raises(ConfigurationError, match="cannot read settings file"):
        load_settings(tmp_path / "absent.yaml", environ={})


def test_empty_regions_rejected(tmp_path):
    path = write(tmp_path, "api_tokens: [t]\nclouds:\n  a:\n    regions: []\n")
    with pytest.raises(ConfigurationError, match="clouds.a.regions"):
        load_settings(path, environ={})
