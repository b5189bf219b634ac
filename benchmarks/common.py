"""Shared pieces of the benchmarks: the micro-cloud's clouds.yaml, timers, apps."""

from __future__ import annotations

import statistics
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
