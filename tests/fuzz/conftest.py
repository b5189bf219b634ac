"""Print the fuzz test's figures at the end of the run, where CI logs keep them."""

from __future__ import annotations

from tests.fuzz.test_openapi_fuzz import SUMMARY


def pytest_terminal_summary(terminalreporter) -> None:
    for line in SUMMARY:
        terminalreporter.write_line(line)
