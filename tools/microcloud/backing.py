"""MariaDB and RabbitMQ: the machine's own servers, shared by both regions.

Each region gets databases and a RabbitMQ virtual host of its own, so that
nothing one region does is seen by the other.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time

from microcloud import layout

LOG = logging.getLogger(__name__)

# Both regions' services hold database connections; MariaDB's default of
# 151 runs out once two Nova and two Neutron deployments are connected.
MIN_DB_CONNECTIONS = 1000


def ensure_servers() -> None:
    """Start MariaDB and RabbitMQ if they are not running, installing them
    with apt-get on a machine that has neither."""
    if not shutil.which("mariadb") and not shutil.which("mysql"):
        _apt_install("mariadb-server")
    if not _mariadb_ready():
        LOG.info("starting MariaDB bound to %s", layout.HOST)
        subprocess.run(
            ["start-stop-daemon", "--start", "--oknodo", "--background",
             "--exec", "/usr/sbin/mariadbd", "--",
             f"--bind-address={layout.HOST}"], check=True)
        _wait_for(_mariadb_ready, "MariaDB")

    if not shutil.which("rabbitmqctl"):
        _apt_install("rabbitmq-server")
    if not _rabbitmq_ready():
        LOG.info("starting RabbitMQ bound to %s", layout.HOST)
        env = dict(os.environ, RABBITMQ_NODE_IP_ADDRESS=layout.HOST)
        subprocess.run(["rabbitmq-server", "-detached"], env=env, check=True)
        _wait_for(_rabbitmq_ready, "RabbitMQ", timeout=120)


def ensure_databases(password: str) -> None:
    """Create every database and the one user that owns them."""
    names = [layout.KEYSTONE_DATABASE]
    for region in layout.REGIONS:
        names += [region.database(db) for db in layout.REGION_DATABASES]

    statements = [f"SET GLOBAL max_connections = GREATEST("
                  f"@@max_connections, {MIN_DB_CONNECTIONS})"]
    for host in ("127.0.0.1", "localhost"):
        user = f"'{layout.DB_USER}'@'{host}'"
        statements += [f"CREATE USER IF NOT EXISTS {user}",
                       f"ALTER USER {user} IDENTIFIED BY '{password}'"]
        statements += [f"GRANT ALL PRIVILEGES ON `{name}`.* TO {user}"
                       for name in names]
    statements = [f"CREATE DATABASE IF NOT EXISTS `{name}` "
                  f"CHARACTER SET utf8mb4" for name in names] + statements
    _sql(";\n".join(statements) + ";")


def database_is_empty(name: str) -> bool:
    """True when ``name`` has no tables yet, so its schema must be created."""
    output = _sql("SELECT COUNT(*) FROM information_schema.tables "
                  f"WHERE table_schema = '{name}'", batch=True)
    return int(output.strip() or 0) == 0


def compute_node_uuid(database: str, host: str) -> str | None:
    """Return the UUID of the live compute node record of ``host``, if any."""
    output = _sql(f"SELECT uuid FROM `{database}`.compute_nodes "
                  f"WHERE host = '{host}' AND deleted = 0 LIMIT 1", batch=True)
    return output.strip() or None


def database_url(name: str, password: str) -> str:
    return (f"mysql+pymysql://{layout.DB_USER}:{password}@{layout.HOST}/"
            f"{name}?charset=utf8mb4")


def ensure_message_bus(password: str) -> None:
    """Create the RabbitMQ user and one virtual host per region."""
    users = _rabbitmqctl("list_users", "--quiet", "--no-table-headers")
    if layout.MQ_USER not in users.split():
        _rabbitmqctl("add_user", layout.MQ_USER, password)
    else:
        _rabbitmqctl("change_password", layout.MQ_USER, password)

    vhosts = _rabbitmqctl("list_vhosts", "--quiet", "--no-table-headers")
    for region in layout.REGIONS:
        if region.vhost not in vhosts.split():
            _rabbitmqctl("add_vhost", region.vhost)
        _rabbitmqctl("set_permissions", "-p", region.vhost, layout.MQ_USER,
                     ".*", ".*", ".*")


def drop_databases() -> list[str]:
    """Drop this state folder's databases and database user; return the databases dropped."""
    names = [layout.KEYSTONE_DATABASE]
    for region in layout.REGIONS:
        names += [region.database(db) for db in layout.REGION_DATABASES]
    existing = set(_sql("SHOW DATABASES", batch=True).split())
    dropped = [name for name in names if name in existing]
    statements = [f"DROP DATABASE IF EXISTS `{name}`" for name in names]
    statements += [f"DROP USER IF EXISTS '{layout.DB_USER}'@'{host}'"
                   for host in ("127.0.0.1", "localhost")]
    _sql(";\n".join(statements) + ";")
    return dropped


def drop_message_bus() -> list[str]:
    """Delete this state folder's RabbitMQ virtual hosts and user; return the hosts deleted."""
    vhosts = _rabbitmqctl("list_vhosts", "--quiet", "--no-table-headers").split()
    deleted = []
    for region in layout.REGIONS:
        if region.vhost in vhosts:
            _rabbitmqctl("delete_vhost", region.vhost)
            deleted.append(region.vhost)
    users = _rabbitmqctl("list_users", "--quiet", "--no-table-headers").split()
    if layout.MQ_USER in users:
        _rabbitmqctl("delete_user", layout.MQ_USER)
    return deleted


def transport_url(region: layout.Region, password: str) -> str:
    return (f"rabbit://{layout.MQ_USER}:{password}@{layout.HOST}:5672/"
            f"{region.vhost}")


def _sql(statements: str, batch: bool = False) -> str:
    client = shutil.which("mariadb") or "mysql"
    command = [client, "--user=root", "--protocol=socket"]
    if batch:
        command += ["--batch", "--skip-column-names"]
    result = subprocess.run(command, input=statements, text=True,
                            capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"MariaDB rejected a statement: "
                           f"{result.stderr.strip()}")
    return result.stdout


def _rabbitmqctl(*args: str) -> str:
    result = subprocess.run(["rabbitmqctl", *args], text=True,
                            capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {args[0]} failed: "
                           f"{result.stderr.strip()}")
    return result.stdout


def _mariadb_ready() -> bool:
    try:
        _sql("SELECT 1")
    except (RuntimeError, FileNotFoundError):
        return False
    return True


def _rabbitmq_ready() -> bool:
    result = subprocess.run(["rabbitmqctl", "await_startup", "--timeout", "5"],
                            capture_output=True)
    return result.returncode == 0


def _apt_install(package: str) -> None:
    LOG.info("installing %s with apt-get", package)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], env=env, check=True)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends",
                    package], env=env, check=True)


def _wait_for(ready, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
        time.sleep(1)
