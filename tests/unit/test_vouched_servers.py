"""Ownership checks that a bulk action may skip for ids it has already listed."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from types import SimpleNamespace

import pytest

from perspective.errors import NotFound
from perspective.openstack import Scope
from perspective.openstack.servers import check_owner, vouched_for

SCOPE = Scope("cloud-a", "RegionOne", "project-a")


class Compute:
    """Nova's compute proxy as far as `owned_server` uses it, counting its GETs."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.gets: list[str] = []

    def get_server(self, server_id: str):
        self.gets.append(server_id)
        return SimpleNamespace(id=server_id, project_id=self.owner)


def connection(owner: str = "project-a") -> SimpleNamespace:
    return SimpleNamespace(compute=Compute(owner))


def test_unvouched_id_is_read_from_nova():
    conn = connection()
    server_id = str(uuid.uuid4())
    check_owner(conn, SCOPE, server_id)
    assert conn.compute.gets == [server_id]


def test_vouched_id_needs_no_get():
    conn = connection()
    server_id = str(uuid.uuid4())
    with vouched_for(frozenset({server_id})):
        check_owner(conn, SCOPE, server_id)
    assert conn.compute.gets == []


def test_vouching_ends_with_the_block():
    conn = connection(owner="project-b")
    server_id = str(uuid.uuid4())
    with vouched_for(frozenset({server_id})):
        pass
    with pytest.raises(NotFound):
        check_owner(conn, SCOPE, server_id)


def test_other_ids_are_still_checked():
    conn = connection(owner="project-b")
    vouched, other = str(uuid.uuid4()), str(uuid.uuid4())
    with vouched_for(frozenset({vouched})):
        with pytest.raises(NotFound):
            check_owner(conn, SCOPE, other)
    assert conn.compute.gets == [other]


def test_vouching_follows_a_copied_context_into_threads():
    conn = connection()
    server_id = str(uuid.uuid4())
    with vouched_for(frozenset({server_id})), ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(copy_context().run, check_owner, conn, SCOPE, server_id).result()
    assert conn.compute.gets == []
