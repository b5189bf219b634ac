"""Requests per second of the warm instance list, `perspective serve --workers 2`.

wrk (Debian package `wrk`) sends the load over loopback from the same
two-core machine, so load generator and server share the CPU. Each worker
keeps its own inventory of project dev, synced before the measurement.
"""

from __future__ import annotations

import re

import httpx

from benchmarks.common import API_TOKEN, require_wrk, run_wrk, start_server, wrk_non_2xx
from tests.support.ports import free_port


def run(seconds: int, connections: int) -> dict[str, float]:
    require_wrk()

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

        output = run_wrk(url, threads=2, connections=connections, seconds=seconds)
    finally:
        process.terminate()
        process.wait(timeout=30)

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate,
        "non_2xx": wrk_non_2xx(output),
        "socket_errors": errors.group(1) if errors else "none",
        "connections": connections,
        "seconds": seconds,
    }
