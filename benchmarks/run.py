"""Run Perspective's benchmarks against the micro-cloud and print the figures.

    .venv/bin/python -m benchmarks.run aggregate --latency 0.1 --runs 5

Each benchmark prints one Markdown table row with the measured figure, its
side-by-side baseline and their ratio. docs/benchmarks.md records results.
"""

from __future__ import annotations

import argparse
import logging
import os

from benchmarks import aggregate, bulk_reboot, overhead, throughput, warm_list
from benchmarks.common import CLOUDS_YAML, write_clouds, load_clouds


def main() -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("benchmark", choices=["aggregate", "bulk-reboot", "overhead", "throughput", "warm-list"], help="which benchmark to run")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds each proxy adds per request")
    parser.add_argument("--runs", type=int, default=5, help="measured repetitions (after one warm-up)")
    parser.add_argument(
        "--concurrency", type=int, default=64, help="bulk-reboot: per-id calls at once (bulk_concurrency)"
    )
    args = parser.parse_args()
    os.environ.setdefault("OS_CLIENT_CONFIG_FILE", str(CLOUDS_YAML))
    logging.basicConfig(level=logging.WARNING)

    if args.benchmark == "aggregate":
        result = aggregate.run(args.latency, args.runs)
        latency = result["latency"]
        print(
            "| benchmark | Perspective | one region after another | 4 lists at once from openstacksdk"
            " | one region's list alone | target |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        print(
            f"| cold list, 4 regions, L = {latency * 1000:.0f} ms "
            f"| {result['perspective'] * 1000:.0f} ms = {result['perspective'] / latency:.2f} L "
            f"| {result['baseline'] * 1000:.0f} ms = {result['baseline'] / latency:.2f} L "
            f"| {result['parallel'] * 1000:.0f} ms = {result['parallel'] / latency:.2f} L "
            f"| {result['single'] * 1000:.0f} ms = {result['single'] / latency:.2f} L "
            f"| <= 1.2 L vs 4 L |"
        )

    if args.benchmark == "warm-list":
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            config = write_clouds(Path(folder) / "clouds.yaml", load_clouds()["clouds"])
            result = warm_list.run(config, seconds=10)
        print("| benchmark | p50 | p99 | target |")
        print("| --- | --- | --- | --- |")
        print(
            f"| warm list of {warm_list.COUNT} instances over HTTP, status filter, sort name,-created,"
            f" page of 100 (wrk, 1 connection, {result['seconds']} s, {result['requests']} requests,"
            f" {result['non_2xx']} non-2xx) | {result['p50'] * 1000:.2f} ms"
            f" | {result['p99'] * 1000:.2f} ms | p50 < 5 ms, p99 < 20 ms |"
        )
        print(f"| memory of {warm_list.COUNT} instances in the inventory | {result['memory_mib']:.0f} MiB | | |")

    if args.benchmark == "bulk-reboot":
        result = bulk_reboot.run(args.latency, args.runs, args.concurrency)
        ratio = result["bulk"] / result["single"]
        print(f"{result['count']} servers built in {result['build_seconds']:.0f} s (one multi-create request)")
        print("| benchmark | Perspective | one reboot call | the same calls from openstacksdk threads | target |")
        print("| --- | --- | --- | --- | --- |")
        print(
            f"| bulk reboot of {result['count']} instances, L = {result['latency'] * 1000:.0f} ms,"
            f" {result['concurrency']} at a time | {result['bulk'] * 1000:.0f} ms"
            f" | {result['single'] * 1000:.0f} ms, {ratio:.1f} x"
            f" | {result['parallel'] * 1000:.0f} ms, {result['bulk'] / result['parallel']:.2f} x"
            f" | <= 3 x one call |"
        )

    if args.benchmark == "throughput":
        result = throughput.run(seconds=10, connections=64)
        print("| benchmark | Perspective | errors | target |")
        print("| --- | --- | --- | --- |")
        print(
            f"| warm list, 2 workers, wrk {result['connections']} connections {result['seconds']} s"
            f" | {result['rate']:.0f} requests/s | {result['non_2xx']} non-2xx,"
            f" socket errors: {result['socket_errors']} | >= 1,000 requests/s |"
        )

    if args.benchmark == "overhead":
        result = overhead.run(args.runs)
        ratio = result["perspective"] / result["direct"]
        print("| benchmark | Perspective | direct openstacksdk | target |")
        print("| --- | --- | --- | --- |")
        print(
            f"| show one instance | {result['perspective'] * 1000:.1f} ms "
            f"| {result['direct'] * 1000:.1f} ms | overhead {100 * (ratio - 1):.0f} % (target < 10 %) |"
        )


if __name__ == "__main__":
    main()
