"""Requests per second of the warm instance list, `perspective serve --workers 2`.

wrk (Debian package `wrk`) sends the load over loopback from the same
two-core machine, so load generator and server share the CPU. Each worker
keeps its own inventory of project dev, synced before the measurement.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import httpx

from benchmarks.common import API_TOKEN
from benchmarks.overhead import start_server
from tests.support.ports import free_port


def run(seconds: int, connections: int) -> dict[str, float]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    port = free_port()
    process = start_server(port, workers=2)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    try:
        projects = httpx.get(f"{base}/projects", headers=headers, timeout=60).json()["items"]
        dev = next(p["id"] for p in projects if p["name"] == "dev")
        url = f"{base}/projects/{dev}/regions/RegionOne/instances?sort=name&limit=100"
        # Enough requests that both workers have loaded their inventory.
        for _ in range(20):
            httpx.get(url, headers=headers, timeout=60).raise_for_status()

        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", f"Authorization: Bearer {API_TOKEN}", url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        process.terminate()
        process.wait(timeout=30)

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "none",
        "connections": connections,
        "seconds": seconds,
    }
