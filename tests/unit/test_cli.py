"""The `perspective` command line, up to the point where it would serve."""

from __future__ import annotations

import pytest

from perspective.cli import main


def test_serve_unknown_entry_exits_2(fake_clouds_yaml, tmp_path, monkeypatch, capsys):
    settings = tmp_path / "perspective.yaml"
    settings.write_text("api_tokens: [t]\nclouds:\n  gamma: {}\n")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(fake_clouds_yaml))
    assert main(["serve", "--config", str(settings)]) == 2
    error = capsys.readouterr().err
    assert "unknown clouds.yaml entries gamma" in error
    assert "alpha, beta" in error


def test_serve_without_token_exits_2(fake_clouds_yaml, monkeypatch, capsys):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(fake_clouds_yaml))
    monkeypatch.delenv("PERSPECTIVE_API_TOKENS", raising=False)
    monkeypatch.delenv("PERSPECTIVE_CONFIG", raising=False)
    assert main(["serve"]) == 2
    assert "no API token configured" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "serve" in capsys.readouterr().out


def test_invalid_port_rejected():
    with pytest.raises(SystemExit):
        main(["serve", "--port", "eighty"])
