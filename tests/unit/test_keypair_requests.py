"""Validation of keypair requests, before any cloud is asked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from perspective.models.keypairs import KeypairCreate
from perspective.services.ssh_keys import generate_key

PUBLIC_KEY = generate_key("ed25519", "test").public_key


@pytest.mark.parametrize("name", ["laptop", "my key", "a.b-c_d@e", "x" * 255])
def test_name_accepted(name):
    assert KeypairCreate(name=name, public_key=PUBLIC_KEY).name == name


@pytest.mark.parametrize("name", ["", "x" * 256, "bad/name", "semi;colon", "tab\tname", "ünï"])
def test_name_rejected(name):
    with pytest.raises(ValidationError) as raised:
        KeypairCreate(name=name, public_key=PUBLIC_KEY)
    assert raised.value.errors()[0]["loc"] == ("name",)


def test_public_key_rejected_without_echo():
    private = generate_key("ed25519", "test").private_key
    with pytest.raises(ValidationError) as raised:
        KeypairCreate(name="k", public_key=private)
    message = raised.value.errors(include_input=False)[0]["msg"]
    assert "not a valid OpenSSH public key" in message
    assert "PRIVATE KEY" not in message


def test_type_with_public_key_rejected():
    with pytest.raises(ValidationError, match="type applies only to a generated key"):
        KeypairCreate(name="k", public_key=PUBLIC_KEY, type="rsa")


def test_unknown_type_rejected():
    with pytest.raises(ValidationError):
        KeypairCreate(name="k", type="dsa")


@pytest.mark.parametrize(("algorithm", "prefix"), [("ed25519", "ssh-ed25519 "), ("rsa", "ssh-rsa ")])
def test_generated_key_formats(algorithm, prefix):
    key = generate_key(algorithm, "me@host")
    assert key.public_key.startswith(prefix)
    assert key.public_key.endswith(" me@host")
    assert key.private_key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert key.private_key not in repr(key)
