"""Start, find and stop the micro-cloud's processes by their recorded PIDs.

Each process starts in a session of its own, so its PID is also the ID of a
process group that contains its workers (uwsgi forks them). A PID file records
the PID with the process's start time, and a PID whose start time no longer
matches belongs to someone else and is never signalled.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pathlib
import signal
import subprocess
import time
import urllib.error
import urllib.request

from microcloud import layout

LOG = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 15


@dataclasses.dataclass(frozen=True)
class Process:
    """A long-running service process of the micro-cloud."""

    name: str
    argv: list[str]
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    url: str | None = None

    @property
    def pid_file(self) -> pathlib.Path:
        return layout.RUN / f"{self.name}.pid"

    @property
    def log_file(self) -> pathlib.Path:
        return layout.LOGS / f"{self.name}.out"


def uwsgi(name: str, port: int, module: str, env: dict[str, str],
          processes: int = 1, threads: int = 4) -> Process:
    """Return a process that serves a WSGI application with uwsgi on one loopback port.

    ``--http-socket`` with ``Connection: close`` because uwsgi's ``--http``
    router mode resets connections now and then under clients that reuse
    connections, as openstacksdk does.
    """
    argv = [
        str(layout.VENV / "bin/uwsgi"),
        "--http-socket", f"{layout.HOST}:{port}",
        "--virtualenv", str(layout.VENV),
        "--module", f"{module}:application",
        "--master", "--die-on-term", "--need-app", "--lazy-apps",
        # A worker busy in a request thread would otherwise delay `down` by
        # uwsgi's default mercy of 60 s.
        "--worker-reload-mercy", "5", "--reload-mercy", "5",
        "--enable-threads",
        "--processes", str(processes), "--threads", str(threads),
        "--buffer-size", "65535",
        "--add-header", "Connection: close",
        "--http-chunked-input",
        "--procname-prefix", f"microcloud-{name} ",
    ]
    return Process(name=name, argv=argv, env=env,
                   url=f"http://{layout.HOST}:{port}/")


def start(process: Process) -> bool:
    """Start ``process`` unless it already runs; return True if started."""
    if pid_of(process):
        return False
    if process.url and responds(process.url):
        raise RuntimeError(
            f"cannot start {process.name}: something this micro-cloud did "
            f"not start already answers at {process.url}. If it is another "
            f"checkout's micro-cloud, run `scripts/microcloud down` there.")

    layout.RUN.mkdir(parents=True, exist_ok=True)
    layout.LOGS.mkdir(parents=True, exist_ok=True)
    with open(process.log_file, "ab") as log:
        child = subprocess.Popen(
            process.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            env={**os.environ, **process.env}, start_new_session=True,
            cwd=layout.HOME)
    record = {"pid": child.pid, "start_time": _start_time(child.pid)}
    process.pid_file.write_text(json.dumps(record))
    LOG.info("started %s (pid %d)", process.name, child.pid)
    return True


def pid_of(process: Process) -> int | None:
    """Return the PID of ``process`` if the recorded one still runs, else None."""
    try:
        record = json.loads(process.pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    pid = record.get("pid")
    if pid and _start_time(pid) == record.get("start_time"):
        return pid
    process.pid_file.unlink(missing_ok=True)
    return None


def stop(wanted: list[Process]) -> list[str]:
    """Stop every process in ``wanted`` with its workers, all at once so
    that slow graceful shutdowns overlap; return the names of those that
    were running."""
    running: list[tuple[Process, int]] = []
    for process in wanted:
        pid = pid_of(process)
        if pid is not None:
            LOG.info("stopping %s (pid %d)", process.name, pid)
            _signal_group(pid, signal.SIGTERM)
            running.append((process, pid))

    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while (any(_group_alive(pid) for _, pid in running)
           and time.monotonic() < deadline):
        time.sleep(0.2)

    for process, pid in running:
        if _group_alive(pid):
            LOG.warning("%s (pid %d) ignored SIGTERM for %d s; killing it",
                        process.name, pid, STOP_GRACE_SECONDS)
            _signal_group(pid, signal.SIGKILL)
        process.pid_file.unlink(missing_ok=True)
    return [process.name for process, _ in running]


def responds(url: str, timeout: float = 2) -> bool:
    """Return True when an HTTP server responds at ``url``, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def wait_until_serving(processes: list[Process], timeout: float) -> None:
    """Wait until every process with a URL responds.

    Raises RuntimeError naming the processes that died or stayed silent,
    with their log files."""
    waiting = [p for p in processes if p.url]
    deadline = time.monotonic() + timeout
    while waiting:
        for process in list(waiting):
            if pid_of(process) is None:
                raise RuntimeError(f"{process.name} exited during start-up; "
                                   f"see {process.log_file}")
            if responds(process.url):
                waiting.remove(process)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(p.name for p in waiting)
            raise RuntimeError(f"not serving after {timeout:.0f} s: {names}; "
                               f"see their logs in {layout.LOGS}")
        if waiting:
            time.sleep(0.5)


def group_rss_mib(pid: int) -> float:
    """Resident memory of the process group ``pid`` leads, in MiB."""
    page_kib = os.sysconf("SC_PAGE_SIZE") / 1024
    total_kib = 0.0
    for stat_path in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # Fields 5 and 24 of /proc/PID/stat: process group and RSS pages.
        if int(fields[2]) == pid:
            total_kib += int(fields[21]) * page_kib
    return total_kib / 1024


def _start_time(pid: int) -> str | None:
    # Field 22 of /proc/PID/stat is the start time in clock ticks since
    # boot and field 3 the state; the command name before them may contain
    # spaces, so split after its closing parenthesis. A zombie counts as
    # gone: it serves nothing and only waits to be reaped.
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":
        return None
    return fields[19]


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True
