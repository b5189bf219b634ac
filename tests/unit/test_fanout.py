"""Parallel calls where one region may fail or hang."""

from __future__ import annotations

import threading
import time

from perspective.errors import CloudTimeout, NotFound
from perspective.openstack import Scope
from perspective.services.fanout import FanOut, gather_items


def test_results_in_scope_order():
    scopes = [Scope("c", region) for region in ("R1", "R2", "R3")]
    outcomes = FanOut(max_workers=3, timeout=5).run(lambda scope: [scope.region], scopes)
    assert [outcome.value for outcome in outcomes] == [["R1"], ["R2"], ["R3"]]


def test_slow_region_times_out_alone():
    release = threading.Event()

    def call(scope):
        if scope.region == "R2":
            release.wait(5)
        return [scope.region]

    try:
        started = time.monotonic()
        outcomes = FanOut(max_workers=2, timeout=0.3).run(call, [Scope("c", "R1"), Scope("c", "R2")])
        elapsed = time.monotonic() - started
    finally:
        release.set()

    items, errors = gather_items(outcomes)
    assert items == ["R1"]
    assert isinstance(outcomes[1].error, CloudTimeout)
    assert errors[0].region == "R2"
    assert errors[0].status == 504
    assert elapsed < 2


def test_failed_region_reported_not_raised():
    def call(scope):
        if scope.region == "R1":
            raise NotFound("gone", cloud=scope.cloud, region=scope.region)
        return [1, 2]

    items, errors = gather_items(FanOut(2, 5).run(call, [Scope("c", "R1"), Scope("c", "R2")]))
    assert items == [1, 2]
    assert [(error.region, error.status, error.reason) for error in errors] == [("R1", 404, "gone")]


def test_unexpected_exception_hidden_from_reason():
    def call(scope):
        raise KeyError("internal detail")

    (outcome,) = FanOut(1, 5).run(call, [Scope("c", "R1")])
    assert outcome.error.status == 500
    assert "internal detail" not in outcome.error.detail


def test_concurrency_bounded():
    running = 0
    peak = 0
    lock = threading.Lock()

    def call(scope):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return []

    FanOut(max_workers=2, timeout=5).run(call, [Scope("c", f"R{i}") for i in range(6)])
    assert peak == 2
