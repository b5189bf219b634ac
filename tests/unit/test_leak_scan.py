"""The end-of-run leak scan finds what it is meant to find."""

from __future__ import annotations

from tests.support.leak_scan import find_leaks

TOKEN = "gAAAAABrEyUMv1YaAVS45rGaWyS2siqSXy5RMQtPYk4-4lXIKDQ-ruNGGzlTJh6JojWNy4ehUlYfeEf844lAeLf"


def test_clean_text_has_no_leak():
    assert find_leaks("GET /projects 200 12.3 ms", ["s3cret-password"]) == []


def test_password_found():
    assert find_leaks("auth with s3cret-password", ["s3cret-password"]) == ["secret value s3c…"]


def test_keystone_token_found():
    assert find_leaks(f"X-Auth-Token: {TOKEN}", []) == [f"Keystone token {TOKEN[:12]}…"]


def test_private_key_found_unless_allowed():
    text = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----"
    assert find_leaks(text, []) == ["private key"]
    assert find_leaks(text, [], private_key_allowed=True) == []


def test_traceback_found():
    assert find_leaks("Traceback (most recent call last):\n  File", []) == ["Python traceback"]
