"""The `perspective serve` console script, over real HTTP on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ALICE, API_TOKEN, BOB
from tests.support.ports import free_port

CONSOLE_SCRIPT = Path(sys.executable).parent / "perspective"


def get(url: str, token: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def server(clouds_yaml, tmp_path):
    """Start `perspective serve` with a settings file and clouds.yaml found through the environment."""
    settings = tmp_path / "perspective.yaml"
    settings.write_text(f"clouds:\n  {ALICE}:\n  {BOB}:\n")
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith(("OS_", "PERSPECTIVE_"))}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
    env["PERSPECTIVE_API_TOKENS"] = API_TOKEN
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "serve", "--host", "127.0.0.1", "--port", str(port), "--config", str(settings)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "perspective serve did not respond on /health within 30 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_serve_lists_projects(server):
    status, headers, body = get(f"{server}/projects", API_TOKEN)
    assert status == 200
    projects = json.loads(body)
    assert {project["name"] for project in projects["items"]} >= {"dev", "ops"}
    assert {project["cloud"] for project in projects["items"]} == {ALICE}


def test_serve_rejects_missing_token(server):
    status, headers, body = get(f"{server}/projects")
    assert status == 401
    assert headers["content-type"] == "application/problem+json"
    assert headers["www-authenticate"].startswith("Bearer")


def test_serve_unknown_entry_exits(clouds_yaml, tmp_path):
    settings = tmp_path / "perspective.yaml"
    settings.write_text("clouds:\n  microcloud-carol: {}\napi_tokens: [t]\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith(("OS_", "PERSPECTIVE_"))}
    env["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
    completed = subprocess.run(
        [str(CONSOLE_SCRIPT), "serve", "--port", str(free_port()), "--config", str(settings)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "unknown clouds.yaml entries microcloud-carol" in completed.stderr
    assert "Traceback" not in completed.stderr
