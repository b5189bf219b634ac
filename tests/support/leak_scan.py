"""A pytest plugin that scans every log line and API response of the run for secrets.

During the run, Perspective's log records (all loggers, DEBUG and up) go
through Perspective's own formatter into a file, and every response a
TestClient receives is kept. When the session ends, both are searched for
the micro-cloud's passwords, Keystone tokens, private keys and Python
tracebacks; any find fails the run and is printed with where it was seen.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from perspective.logs import RequestIdFilter, TextFormatter

REPO = Path(__file__).resolve().parents[2]
SECRETS_FILE = REPO / ".microcloud" / "secrets.json"
LOG_FILE = REPO / ".microcloud" / "logs" / "perspective-tests.log"

FERNET_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_-]{60,}")
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
TRACEBACK = "Traceback (most recent call last)"


@dataclass
class Seen:
    where: str
    text: str
    may_hold_private_key: bool = False


def find_leaks(text: str, secrets: list[str], *, private_key_allowed: bool = False) -> list[str]:
    """Return a description of every secret, token, key or traceback in `text`."""
    found = [f"secret value {secret[:3]}…" for secret in secrets if secret in text]
    found += [f"Keystone token {match[:12]}…" for match in FERNET_TOKEN.findall(text)]
    if PRIVATE_KEY.search(text) and not private_key_allowed:
        found.append("private key")
    if TRACEBACK in text:
        found.append("Python traceback")
    return found


def micro_cloud_secrets() -> list[str]:
    """Every password the micro-cloud generated: users, database, message bus."""
    if not SECRETS_FILE.exists():
        return []

    values: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, str):
            values.append(node)

    collect(json.loads(SECRETS_FILE.read_text()))
    return values


class LeakScan:
    def __init__(self) -> None:
        self.responses: list[Seen] = []
        self.handler: logging.Handler | None = None
        self._original_request = None

    def start(self) -> None:
        LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
        self.handler = logging.FileHandler(LOG_FILE, mode="w", encoding="utf-8")
        self.handler.addFilter(RequestIdFilter())
        self.handler.setFormatter(TextFormatter())
        root = logging.getLogger()
        root.addHandler(self.handler)
        root.setLevel(logging.DEBUG)

        self._original_request = original = TestClient.request
        responses = self.responses

        def recording_request(client, method, url, *args, **kwargs):
            response = original(client, method, url, *args, **kwargs)
            # A generated keypair's private key is returned once, on purpose.
            key_expected = method.upper() == "POST" and str(url).split("?")[0].endswith("/keypairs")
            headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
            responses.append(
                Seen(f"{method.upper()} {url} -> {response.status_code}",
                     headers + "\n" + response.text, key_expected)
            )
            return response

        TestClient.request = recording_request

    def finish(self) -> list[str]:
        TestClient.request = self._original_request
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)
            self.handler.close()

        secrets = micro_cloud_secrets()
        problems = []
        for seen in self.responses:
            for leak in find_leaks(seen.text, secrets, private_key_allowed=seen.may_hold_private_key):
                problems.append(f"response of {seen.where}: {leak}")
        lines = LOG_FILE.read_text(encoding="utf-8").splitlines() if LOG_FILE.exists() else []
        for number, line in enumerate(lines, start=1):
            for leak in find_leaks(line, secrets):
                problems.append(f"{LOG_FILE.name} line {number}: {leak}")
        self.summary = (
            f"leak scan: {len(self.responses)} responses and {len(lines)} log lines searched"
            f" for {len(secrets)} micro-cloud secrets, Keystone tokens, private keys and"
            f" tracebacks: {len(problems)} found"
        )
        return problems


_scan = LeakScan()


def pytest_configure(config: pytest.Config) -> None:
    _scan.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    problems = _scan.finish()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(_scan.summary)
        for problem in problems[:50]:
            reporter.write_line(f"LEAK: {problem}", red=True)
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
