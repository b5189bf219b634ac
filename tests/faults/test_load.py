"""1,000 concurrent list requests to a real `perspective serve` on loopback.

Bounded in count (two rounds of 1,000 requests) and in time (a timeout per
request). Every response must be a 200, the process's memory must stay flat
from the first round to the second, and its log must hold no secret.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.api.test_serve import CONSOLE_SCRIPT, get
from tests.support.ports import free_port
from tests.conftest import ALICE, API_TOKEN
from tests.support.leak_scan import find_leaks, micro_cloud_secrets

CONCURRENT = 1000
REQUEST_TIMEOUT = 120
# A second round of the same requests may grow the heap a little (caches,
# allocator arenas), but not by anything close to what a leak per request
# of 1,000 requests would add.
MAX_GROWTH_MIB = 20


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


@pytest.fixture
def server(clouds_yaml, tmp_path):
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith(("OS_", "PERSPECTIVE_"))}
    env.update(OS_CLIENT_CONFIG_FILE=str(clouds_yaml), PERSPECTIVE_API_TOKENS=API_TOKEN, PERSPECTIVE_CLOUDS=ALICE)
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "serve", "--port", str(port), "--log-level", "debug"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "perspective serve did not start within 30 s"
            time.sleep(0.2)
        yield base, process.pid, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


async def fire(urls: list[str]) -> list[int]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=REQUEST_TIMEOUT) as client:
        responses = await asyncio.gather(*(client.get(url) for url in urls))
    return [response.status_code for response in responses]


def test_thousand_concurrent_lists(server, project_ids):
    base, pid, log_path = server
    dev = project_ids["dev"]
    paths = [
        f"/projects/{dev}/instances",
        f"/projects/{dev}/regions/RegionOne/instances?sort=name&limit=50",
        f"/projects/{dev}/images",
        "/projects",
    ]
    urls = [base + paths[n % len(paths)] for n in range(CONCURRENT)]

    first = asyncio.run(fire(urls))
    after_first = rss_mib(pid)
    second = asyncio.run(fire(urls))
    after_second = rss_mib(pid)

    assert [s for s in first + second if s != 200] == []
    assert after_second - after_first < MAX_GROWTH_MIB
    leaks = find_leaks(log_path.read_text(), micro_cloud_secrets())
    assert leaks == []
