"""The steps of ``up``: install, configure, create schemas, start, seed.

Each step checks what is already there and does only what is missing, so a
second ``up`` reuses everything and takes seconds.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import logging
import os
import secrets as secrets_module
import subprocess
import sys
import time
from pathlib import Path

from microcloud import backing, configs, layout, processes

LOG = logging.getLogger(__name__)

REQUIREMENTS = layout.TOOL / "requirements.txt"
PLUGINS = layout.TOOL / "plugins"
USERS = ("admin", "alice", "bob", *layout.SERVICE_USERS)
START_TIMEOUT_SECONDS = 180


def ensure_venv() -> None:
    """Install the OpenStack services into the micro-cloud's own venv,
    unless the installed set already matches the pinned requirements."""
    wanted = _install_fingerprint()
    marker = layout.VENV / ".microcloud-installed"
    if marker.exists() and marker.read_text() == wanted:
        return

    LOG.info("installing OpenStack services into %s", layout.VENV)
    if not (layout.VENV / "bin/python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(layout.VENV)],
                       check=True)
    pip = [str(layout.VENV / "bin/pip"), "install", "--quiet",
           "--disable-pip-version-check"]
    subprocess.run(pip + ["-r", str(REQUIREMENTS)], check=True)
    subprocess.run(pip + ["--no-deps", "--force-reinstall", str(PLUGINS)],
                   check=True)
    _link_virt_driver()
    marker.write_text(wanted)


def _link_virt_driver() -> None:
    # Nova loads ``compute_driver`` only from inside its ``nova.virt``
    # package, so the micro-cloud's driver gets a one-line alias module
    # there: ``compute_driver = microcloud.Driver``.
    result = subprocess.run(
        [str(layout.VENV / "bin/python"), "-c",
         "import nova.virt, os; print(os.path.dirname(nova.virt.__file__))"],
        check=True, capture_output=True, text=True)
    alias = Path(result.stdout.strip()) / "microcloud.py"
    alias.write_text("from microcloud_plugins.virt import Driver  # noqa\n")


def _install_fingerprint() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    for path in sorted(PLUGINS.rglob("*")):
        # pip leaves build/ and *.egg-info/ beside the sources it installs.
        parts = path.relative_to(PLUGINS).parts
        generated = {"__pycache__", "build"} & set(parts) \
            or any(part.endswith(".egg-info") for part in parts)
        if path.is_file() and not generated:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_secrets() -> dict:
    """Return the generated passwords, creating them on the first ``up``.

    They are kept in a file only root can read."""
    if layout.SECRETS.exists():
        return json.loads(layout.SECRETS.read_text())

    layout.HOME.mkdir(parents=True, exist_ok=True)
    secrets = {
        "database": secrets_module.token_urlsafe(18),
        "mq": secrets_module.token_urlsafe(18),
        "users": {user: secrets_module.token_urlsafe(18) for user in USERS},
    }
    layout.SECRETS.touch(mode=0o600)
    layout.SECRETS.write_text(json.dumps(secrets, indent=2))
    return secrets


def keystone_process() -> processes.Process:
    etc = layout.ETC / "keystone"
    return processes.uwsgi("keystone", layout.KEYSTONE_PORT,
                           "keystone.wsgi.api",
                           {"OS_KEYSTONE_CONFIG_DIR": str(etc)},
                           processes=2, threads=4)


def region_processes(region: layout.Region) -> list[processes.Process]:
    etc = region.etc
    venv_bin = layout.VENV / "bin"
    nova_conf = str(etc / "nova/nova.conf")

    def nova_service(binary: str, conf: str) -> processes.Process:
        log = layout.LOGS / f"{binary}-{region.key}.log"
        return processes.Process(
            name=f"{binary}-{region.key}",
            argv=[str(venv_bin / binary), "--config-file", conf,
                  "--log-file", str(log)])

    return [
        processes.uwsgi(f"glance-api-{region.key}", region.ports["glance"],
                        "glance.wsgi.api",
                        {"OS_GLANCE_CONFIG_DIR": str(etc / "glance")}),
        processes.uwsgi(f"placement-{region.key}", region.ports["placement"],
                        "placement.wsgi.api",
                        {"OS_PLACEMENT_CONFIG_DIR": str(etc / "placement")}),
        processes.uwsgi(f"nova-api-{region.key}", region.ports["nova"],
                        "nova.wsgi.osapi_compute",
                        {"OS_NOVA_CONFIG_DIR": str(etc / "nova"),
                         # nova-api reads its paste pipeline from the
                         # first file of this list.
                         "OS_NOVA_CONFIG_FILES":
                             "api-paste.ini;nova.conf;nova-api.conf"},
                        # Two processes, so that parallel callers (a
                        # fan-out, a bulk action) are not served one
                        # after another by a single interpreter.
                        processes=2),
        processes.uwsgi(f"neutron-api-{region.key}", region.ports["neutron"],
                        "neutron.wsgi.api",
                        {"OS_NEUTRON_CONFIG_DIR": str(etc / "neutron"),
                         "OS_NEUTRON_CONFIG_FILES":
                             "neutron.conf;ml2_conf.ini"}),
        nova_service("nova-conductor", nova_conf),
        nova_service("nova-scheduler", nova_conf),
        nova_service("nova-compute", str(etc / "nova/nova-compute.conf")),
    ]


def all_processes() -> list[processes.Process]:
    found = [keystone_process()]
    for region in layout.REGIONS:
        found += region_processes(region)
    return found


def manage(*argv: str, ok_codes: tuple[int, ...] = (0,)) -> None:
    """Run one of the services' ``*-manage`` commands, logging its output
    to the micro-cloud's log folder."""
    command = [str(layout.VENV / "bin" / argv[0]), *argv[1:]]
    log_path = layout.LOGS / "manage.log"
    with open(log_path, "a") as log:
        log.write(f"\n$ {' '.join(argv)}\n")
        log.flush()
        result = subprocess.run(command, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, cwd=layout.HOME,
                                env=_service_env())
    if result.returncode not in ok_codes:
        words = " ".join(a for a in argv if not a.startswith(("/", "--config")))
        raise RuntimeError(f"{words} failed with exit code "
                           f"{result.returncode}; see {log_path}")


def _service_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def setup_keystone(secrets: dict) -> None:
    etc = configs.keystone(secrets)
    conf = str(etc / "keystone.conf")
    for folder in ("keystone-fernet", "keystone-credential"):
        (layout.DATA / folder).mkdir(parents=True, exist_ok=True)
        (layout.DATA / folder).chmod(0o700)

    bootstrap_marker = layout.RUN / "keystone-bootstrapped"
    if backing.database_is_empty(layout.KEYSTONE_DATABASE):
        bootstrap_marker.unlink(missing_ok=True)
        manage("keystone-manage", "--config-file", conf, "db_sync")
    if not (layout.DATA / "keystone-fernet/0").exists():
        manage("keystone-manage", "--config-file", conf, "fernet_setup",
               "--keystone-user", "root", "--keystone-group", "root")
    if not (layout.DATA / "keystone-credential/0").exists():
        manage("keystone-manage", "--config-file", conf, "credential_setup",
               "--keystone-user", "root", "--keystone-group", "root")

    first = layout.REGIONS[0]
    if not bootstrap_marker.exists():
        # The password goes through the environment, not argv, so that it
        # never shows in the process list.
        os.environ["OS_BOOTSTRAP_PASSWORD"] = secrets["users"]["admin"]
        try:
            manage("keystone-manage", "--config-file", conf, "bootstrap",
                   "--bootstrap-username", "admin",
                   "--bootstrap-project-name", "admin",
                   "--bootstrap-role-name", "admin",
                   "--bootstrap-service-name", "keystone",
                   "--bootstrap-region-id", first.name,
                   "--bootstrap-admin-url", layout.KEYSTONE_V3,
                   "--bootstrap-internal-url", layout.KEYSTONE_V3,
                   "--bootstrap-public-url", layout.KEYSTONE_V3)
        finally:
            del os.environ["OS_BOOTSTRAP_PASSWORD"]
        layout.RUN.mkdir(parents=True, exist_ok=True)
        bootstrap_marker.touch()


def setup_region(region: layout.Region, secrets: dict) -> None:
    """Write a region's configuration and create its database schemas."""
    for folder in ("glance/images", "glance/staging", "glance/tasks",
                   "glance/locks", "nova/instances", "nova/locks",
                   "neutron/locks"):
        (region.data / folder).mkdir(parents=True, exist_ok=True)

    glance_etc = configs.glance(region, secrets)
    placement_etc = configs.placement(region, secrets)
    nova_etc = configs.nova(region, secrets)
    neutron_etc = configs.neutron(region, secrets)

    if backing.database_is_empty(region.database("glance")):
        manage("glance-manage", "--config-file",
               str(glance_etc / "glance-api.conf"), "db_sync")
    if backing.database_is_empty(region.database("placement")):
        manage("placement-manage", "--config-file",
               str(placement_etc / "placement.conf"), "db", "sync")
    if backing.database_is_empty(region.database("neutron")):
        manage("neutron-db-manage",
               "--config-file", str(neutron_etc / "neutron.conf"),
               "--config-file", str(neutron_etc / "ml2_conf.ini"),
               "upgrade", "heads")
    if backing.database_is_empty(region.database("nova")):
        nova_conf = str(nova_etc / "nova.conf")
        cell0 = backing.database_url(region.database("nova_cell0"),
                                     secrets["database"])
        manage("nova-manage", "--config-file", nova_conf, "api_db", "sync")
        manage("nova-manage", "--config-file", nova_conf, "cell_v2",
               "map_cell0", "--database_connection", cell0)
        # Exit code 2 means that cell exists already: a previous ``up``
        # stopped between creating it and the schema sync below.
        manage("nova-manage", "--config-file", nova_conf, "cell_v2",
               "create_cell", "--name", "cell1", ok_codes=(0, 2))
        manage("nova-manage", "--config-file", nova_conf, "db", "sync")

    _keep_compute_node_identity(region)


def _keep_compute_node_identity(region: layout.Region) -> None:
    # nova-compute refuses to start when the database has a compute node for
    # its host under another UUID than the one in state_path/compute_id.
    # That happens when the state folder was deleted but the databases were
    # kept: adopt the recorded UUID, so the servers on that node stay usable.
    compute_id = region.data / "nova" / "compute_id"
    if compute_id.exists():
        return
    known = backing.compute_node_uuid(region.database("nova"),
                                      region.compute_host)
    if known:
        LOG.info("%s: reusing compute node %s", region.name, known)
        compute_id.write_text(known + "\n")


def discover_compute_hosts(region: layout.Region) -> None:
    manage("nova-manage", "--config-file",
           str(region.etc / "nova/nova.conf"), "cell_v2", "discover_hosts")


def start_and_wait(wanted: list[processes.Process]) -> list[str]:
    started = [p.name for p in wanted if processes.start(p)]
    processes.wait_until_serving(wanted, START_TIMEOUT_SECONDS)
    return started


def seed(phase: str) -> None:
    """Run the seeding script inside the micro-cloud's venv, where
    openstacksdk is installed."""
    env = _service_env(PYTHONPATH=str(layout.TOOL.parent),
                       MICROCLOUD_HOME=str(layout.HOME))
    subprocess.run([str(layout.VENV / "bin/python"), "-m", "microcloud.seed",
                    phase], check=True, env=env, cwd=layout.HOME)


def in_parallel(function, items) -> None:
    """Run ``function`` on every item at once and re-raise the first error."""
    with concurrent.futures.ThreadPoolExecutor(len(items)) as pool:
        for future in [pool.submit(function, item) for item in items]:
            future.result()


def elapsed(start: float) -> str:
    return f"{time.monotonic() - start:.0f} s"
