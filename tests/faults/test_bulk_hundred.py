"""A bulk action on 100 ids, 10 of them bad: 90 done, 10 reported, nothing else touched.

The instances are launched in project ops, RegionTwo, without networks, so
that other tests' lists of project dev stay small.
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.conftest import ALICE

REGION = "RegionTwo"
GOOD = 90
BAD = 10
LAUNCH_WAIT_SECONDS = 600


@pytest.fixture(scope="module")
def ninety(api, sdk, project_ids):
    """90 ACTIVE instances of project ops, plus one bystander not in any request."""
    ops = project_ids["ops"]
    base = f"/projects/{ops}/regions/{REGION}/instances"
    prefix = f"bulk100-{uuid.uuid4().hex[:6]}"
    launch = api.post(
        base,
        json={"name": prefix, "count": GOOD + 1, "flavor": "m1.nano", "image": "cirros-raw", "networks": []},
    )
    assert launch.status_code == 202, launch.text
    ids = [result["id"] for result in launch.json()["results"]]
    compute = sdk(ALICE, REGION, ops).compute
    try:
        deadline = time.monotonic() + LAUNCH_WAIT_SECONDS
        while True:
            statuses = {s.id: s.status for s in compute.servers(name=f"^{prefix}")}
            if all(statuses.get(i) in ("ACTIVE", "ERROR") for i in ids):
                break
            assert time.monotonic() < deadline, f"launch of {len(ids)} not done in time: {statuses}"
            time.sleep(5)
        assert all(statuses[i] == "ACTIVE" for i in ids), statuses
        yield base, compute, ids[:GOOD], ids[GOOD]
    finally:
        for server_id in ids:
            compute.unlock_server(server_id)
            compute.delete_server(server_id, ignore_missing=True)


def test_lock_hundred_ids_ten_unknown(api, ninety):
    base, compute, good, bystander = ninety
    unknown = [str(uuid.uuid4()) for _ in range(BAD)]

    response = api.put(f"{base}/lock", json={"ids": good + unknown})

    assert response.status_code == 207
    results = {r["id"]: r for r in response.json()["results"]}
    assert len(results) == GOOD + BAD
    # Nova locks synchronously, so each good id is done (200), not accepted (202).
    assert [i for i in good if results[i]["status"] != 200] == []
    assert {results[i]["status"] for i in unknown} == {404}
    assert all(results[i]["detail"] for i in unknown)
    locked = {s.id: s.is_locked for s in compute.servers()}
    assert [i for i in good if not locked[i]] == []
    assert locked[bystander] is False
