"""Shared pieces of the benchmarks: the micro-cloud's clouds.yaml, timers, apps."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml
from fastapi.testclient import TestClient
from openstack.config import OpenStackConfig

from perspective.app import create_app
from perspective.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CLOUDS_YAML = REPO / ".microcloud" / "clouds.yaml"
API_TOKEN = "benchmark-token"
ALICE = "microcloud-alice"
SERVER_START_SECONDS = 30


def load_clouds() -> dict:
    if not CLOUDS_YAML.exists():
        raise SystemExit(f"{CLOUDS_YAML} is missing: run `scripts/microcloud up` first")
    return yaml.safe_load(CLOUDS_YAML.read_text())


def write_clouds(path: Path, clouds: dict) -> OpenStackConfig:
    path.write_text(yaml.safe_dump({"clouds": clouds}))
    return OpenStackConfig(
        config_files=[str(path)], vendor_files=[], secure_files=[], load_envvars=False
    )


def app_client(config: OpenStackConfig, clouds: dict[str, dict], **settings) -> TestClient:
    """Return a client of an in-process Perspective that sends the benchmark token."""
    app = create_app(Settings(api_tokens=[API_TOKEN], clouds=clouds, **settings), config)
    client = TestClient(app, raise_server_exceptions=True)
    client.headers["Authorization"] = f"Bearer {API_TOKEN}"
    client.__enter__()
    return client


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Run `call` `runs` times and return each duration in seconds."""
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)
    return durations


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def project_id(client: httpx.Client, name: str) -> str:
    response = client.get("/projects")
    response.raise_for_status()
    return next(p["id"] for p in response.json()["items"] if p["name"] == name)


def start_server(port: int, workers: int = 1, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "OS_CLIENT_CONFIG_FILE": str(CLOUDS_YAML),
        "PERSPECTIVE_API_TOKENS": API_TOKEN,
        "PERSPECTIVE_CLOUDS": ALICE,
        **(extra_env or {}),
    }
    command = [str(REPO / ".venv/bin/perspective"), "serve", "--port", str(port), "--log-level", "warning"]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"perspective serve did not start within {SERVER_START_SECONDS} s")



def require_wrk() -> None:
    """Exit with the install command when wrk is missing, before any set-up."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")


def run_wrk(url: str, threads: int, connections: int, seconds: int, latency: bool = False) -> str:
    """Load `url` with wrk, sending the benchmark token, and return wrk's report."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-H", f"Authorization: Bearer {API_TOKEN}"]
    if latency:
        command.append("--latency")
    return subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout


def wrk_non_2xx(report: str) -> int:
    """Return how many responses of a wrk report had a status other than 2xx or 3xx."""
    found = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", report)
    return int(found.group(1)) if found else 0
