"""``scripts/microcloud up | down | purge | status``."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time

from microcloud import backing, deploy, layout, processes

LOG = logging.getLogger("microcloud")


def up() -> int:
    start = time.monotonic()
    layout.HOME.mkdir(parents=True, exist_ok=True)
    layout.LOGS.mkdir(parents=True, exist_ok=True)

    deploy.ensure_venv()
    LOG.info("venv ready (%s)", deploy.elapsed(start))
    secrets = deploy.load_secrets()

    backing.ensure_servers()
    backing.ensure_databases(secrets["database"])
    backing.ensure_message_bus(secrets["mq"])
    LOG.info("MariaDB and RabbitMQ ready (%s)", deploy.elapsed(start))

    deploy.setup_keystone(secrets)
    deploy.start_and_wait([deploy.keystone_process()])
    deploy.seed("identity")
    LOG.info("Keystone serving at %s (%s)", layout.KEYSTONE_URL,
             deploy.elapsed(start))

    deploy.in_parallel(lambda region: deploy.setup_region(region, secrets),
                       layout.REGIONS)
    LOG.info("regions configured (%s)", deploy.elapsed(start))

    region_processes = [p for region in layout.REGIONS
                        for p in deploy.region_processes(region)]
    deploy.start_and_wait(region_processes)
    LOG.info("region services serving (%s)", deploy.elapsed(start))

    deploy.seed("resources")
    deploy.in_parallel(deploy.discover_compute_hosts, layout.REGIONS)
    deploy.seed("clouds")
    LOG.info("micro-cloud up in %s; clouds.yaml: %s",
             deploy.elapsed(start), layout.CLOUDS_YAML)
    return 0


def down() -> int:
    stopped = processes.stop(deploy.all_processes())
    LOG.info("stopped %d processes%s", len(stopped),
             f": {', '.join(stopped)}" if stopped else "")
    return 0


def purge() -> int:
    """Stop the processes, then delete this state folder's databases, vhosts and state.

    The venv stays, so the next `up` rebuilds the cloud from scratch in
    about the time of a start after `down` plus the seeding.
    """
    down()
    backing.ensure_servers()
    databases = backing.drop_databases()
    vhosts = backing.drop_message_bus()
    removed = []
    if layout.HOME.exists():
        for entry in sorted(layout.HOME.iterdir()):
            if entry == layout.VENV:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry.name)
    LOG.info("dropped %d databases and %d RabbitMQ virtual hosts of %s;"
             " removed %s from %s (the venv stays)", len(databases),
             len(vhosts), layout.DEPLOYMENT, ", ".join(removed) or "nothing",
             layout.HOME)
    return 0


def status() -> int:
    """Print every process with its PID and URL; exit 1 unless all run."""
    all_running = True
    total_mib = 0.0
    print(f"{'process':<18} {'pid':>8} {'RSS MiB':>8}  url")
    for process in deploy.all_processes():
        pid = processes.pid_of(process)
        rss = "-"
        if pid is None:
            state = "stopped"
            all_running = False
        else:
            state = str(pid)
            mib = processes.group_rss_mib(pid)
            total_mib += mib
            rss = f"{mib:.0f}"
            if process.url and not processes.responds(process.url):
                state += " (not answering)"
                all_running = False
        print(f"{process.name:<18} {state:>8} {rss:>8}  {process.url or '-'}")
    print(f"\nmemory:      {total_mib:.0f} MiB resident in all")
    print(f"logs:        {layout.LOGS}")
    print(f"clouds.yaml: {layout.CLOUDS_YAML}")
    print(f"regions:     {', '.join(r.name for r in layout.REGIONS)}")
    return 0 if all_running else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="microcloud",
        description="A real two-region OpenStack on 127.0.0.1 for "
                    "Perspective's tests and demo.")
    parser.add_argument("command", choices=("up", "down", "purge", "status"),
                        help="up: install, start and seed what is missing; "
                             "down: stop the processes up started; "
                             "purge: down, then delete the cloud's databases, "
                             "RabbitMQ vhosts and state, keeping the venv; "
                             "status: show what runs where")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="microcloud: %(message)s", stream=sys.stderr)
    commands = {"up": up, "down": down, "purge": purge, "status": status}
    try:
        return commands[args.command]()
    except RuntimeError as error:
        LOG.error("%s", error)
        return 1
