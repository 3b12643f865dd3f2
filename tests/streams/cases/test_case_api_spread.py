"""Two workers sharing the case partitions answer every request as one worker would.

Each "worker" is :func:`api.handle` over the cases of its own partitions (a
MemoryStore), with a :class:`Cluster` whose ``ask`` calls the other worker's
``handle`` directly: everything but the HTTP hop (``test_case_api_peers.py``
covers that; ``test_case_api_two_workers.py`` runs real workers).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from test_case_api_support import NOW, OTHER, MemoryStore, config, request, token

from citybrain import auth
from streams.cases import api
from streams.cases.api.placement import Cluster, Placement
from streams.cases.wire import partition_of

A, B = "http://127.0.0.1:7001", "http://127.0.0.1:7002"
OWNERS = {0: A, 1: B, 2: A}
STATES = ("reported", "accepted", "registered", "dispatched", "handled", "closed", "cancelled")


def seeded() -> MemoryStore:
    """Fourteen cases in several states, reported a few minutes apart, two of them twice."""
    store = MemoryStore()
    for n in range(14):
        at = NOW - timedelta(hours=3) + timedelta(minutes=7 * (n % 9))  # equal times: id breaks
        store.seed(f"case-{n:02d}", STATES[n % len(STATES)], at=at)
    return store


class Group:
    """Workers holding the partitions ``owners`` gives them, and what they asked each other."""

    def __init__(self, full: MemoryStore, owners: dict[int, str] = OWNERS) -> None:
        self.owners = dict(owners)
        self.stores = {url: MemoryStore() for url in (A, B)}
        for case_id, case in full.cases_by_id.items():
            store = self.stores[owners[partition_of(case_id, 3)]]
            store.cases_by_id[case_id] = case
            store.histories[case_id] = full.histories.get(case_id, [])
        self.configs = {url: config() for url in (A, B)}
        self.held = {url: {p for p, u in owners.items() if u == url} for url in (A, B)}
        self.down: set[str] = set()
        self.asked: list[tuple[str, str, api.Request]] = []

    def cluster(self, url: str) -> Cluster:
        async def ask(peer: str, req: api.Request) -> api.Response:
            self.asked.append((url, peer, req))
            if peer in self.down:
                raise api.StoreUnavailable(f"worker {peer} did not answer: connection refused")
            return await self.handle(peer, req)

        return Cluster(
            placement=lambda: Placement(url, 3, self.owners),
            held=lambda: frozenset(self.held[url]),
            ask=ask,
        )

    async def handle(self, url: str, req: api.Request) -> api.Response:
        store, cfg = self.stores[url], self.configs[url]
        return await api.handle(req, store, cfg, now_at=NOW, cluster=self.cluster(url))

    def call(self, url: str, method: str, path: str, **kwargs) -> api.Response:
        return asyncio.run(self.handle(url, request(method, path, **kwargs)))


def one_worker(full: MemoryStore, method: str, path: str, **kwargs) -> api.Response:
    return asyncio.run(api.handle(request(method, path, **kwargs), full, config(), now_at=NOW))


@pytest.fixture
def full() -> MemoryStore:
    return seeded()


@pytest.fixture
def group(full) -> Group:
    group = Group(full)
    assert all(group.stores[url].cases_by_id for url in (A, B)), "both workers hold cases"
    return group


ROLES = [("leader", None), ("department_handler", None), ("department_handler", OTHER)]


@pytest.mark.parametrize(("role", "department"), ROLES)
def test_every_case_read_answers_alike_on_both_workers(group, full, role, department):
    bearer = token(role, department)
    for case_id in [*full.cases_by_id, "case-missing"]:
        for path in (f"/api/v1/cases/{case_id}", f"/api/v1/cases/{case_id}/events"):
            want = one_worker(full, "GET", path, bearer=bearer)
            assert group.call(A, "GET", path, bearer=bearer) == want, path
            assert group.call(B, "GET", path, bearer=bearer) == want, path
    assert {(src, dst) for src, dst, _ in group.asked} == {(A, B), (B, A)}
    assert all(req.local and req.authorization == f"Bearer {bearer}" for *_, req in group.asked)


LISTS = [
    "/api/v1/cases",
    "/api/v1/cases?limit=3",
    "/api/v1/cases?limit=3&offset=3",
    "/api/v1/cases?limit=4&offset=11",
    "/api/v1/cases?limit=5&offset=40",
    "/api/v1/cases?status=dispatched,handled",
    "/api/v1/cases?overdue=false&limit=2&offset=1",
    "/api/v1/cases?from=2026-07-15T07:10:00%2B08:00&to=2026-07-15T07:40:00%2B08:00",
    "/api/v1/summary",
    "/api/v1/summary?top=2",
    "/api/v1/summary?date=2026-07-14",
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(("role", "department"), [("leader", None), ("department_handler", None)])
def test_lists_and_summary_gather_every_worker(group, full, path, role, department):
    bearer = token(role, department)
    want = one_worker(full, "GET", path, bearer=bearer)
    assert group.call(A, "GET", path, bearer=bearer) == want
    assert group.call(B, "GET", path, bearer=bearer) == want
    if want.status == 200:
        assert {(src, dst) for src, dst, _ in group.asked} == {(A, B), (B, A)}


def test_lists_are_not_empty_pages(group):
    body = group.call(A, "GET", "/api/v1/cases?limit=3&offset=3", bearer=token("leader")).body
    assert (len(body["items"]), body["total"]) == (3, 14)
    summary = group.call(B, "GET", "/api/v1/summary", bearer=token("leader")).body
    assert summary["reported"] == 14 and summary["supervisors"][0]["reports"] == 14


def test_refusals_come_from_the_first_worker_asked(group):
    for url in (A, B):
        assert group.call(url, "GET", "/api/v1/cases").status == 401
        assert group.call(url, "GET", "/api/v1/cases/case-01").status == 401
        other = token("department_handler", OTHER)
        mine = "/api/v1/cases?department=E01"
        assert group.call(url, "GET", mine, bearer=other).status == 403
        assert group.call(url, "GET", "/api/v1/summary", bearer=other).status == 403
        assert group.call(url, "GET", "/api/v1/cases?limit=0", bearer=other).status == 400
    assert group.asked == []


def test_the_owner_checks_the_token_again(group, full):
    bearer = token("leader", subject="revoked-on-b")
    jti = auth.decode(bearer, secret=group.configs[A].secret).token_id
    group.configs[B] = replace(group.configs[B], revocations=auth.RevocationList([jti]))
    on_b = next(c for c in full.cases_by_id if OWNERS[partition_of(c, 3)] == B)
    on_a = next(c for c in full.cases_by_id if OWNERS[partition_of(c, 3)] == A)
    assert group.call(A, "GET", f"/api/v1/cases/{on_a}", bearer=bearer).status == 200
    refused = group.call(A, "GET", f"/api/v1/cases/{on_b}", bearer=bearer)
    assert (refused.status, refused.body["error"]) == (401, "revoked_token")
    listed = group.call(A, "GET", "/api/v1/cases", bearer=bearer)
    assert listed.status == 401 and B in listed.body["message"]
    assert "WWW-Authenticate" in listed.headers


def test_a_command_goes_to_the_worker_holding_the_case(group, full):
    case_id = next(
        c
        for c, case in full.cases_by_id.items()
        if case["state"] == "reported" and OWNERS[partition_of(c, 3)] == B
    )
    path = f"/api/v1/cases/{case_id}/commands/accept"
    answer = group.call(A, "POST", path, bearer=token("call_taker"), json={"command_id": "acc-1"})
    assert answer.status == 202 and answer.body["status"] == "accepted"
    assert [c.name for c in group.stores[B].sent] == ["accept"] and group.stores[A].sent == []
    again = group.call(B, "POST", path, bearer=token("call_taker"), json={"command_id": "acc-1"})
    assert (again.status, again.body["status"]) == (202, "already_applied")


def test_a_retried_report_finds_its_case_on_either_worker(group):
    report = {"category": "unlicensed_peddler", "lat": 30.2521, "lng": 120.1705}
    for n in range(6):  # some of the derived case ids land on each worker
        body = {**report, "command_id": f"pad-{n}"}
        first = group.call(A, "POST", "/api/v1/cases", bearer=token("supervisor"), json=body)
        retry = group.call(B, "POST", "/api/v1/cases", bearer=token("supervisor"), json=body)
        assert (first.status, first.body["status"]) == (202, "accepted")
        assert (retry.status, retry.body["status"]) == (202, "already_applied")
        assert retry.body["case_id"] == first.body["case_id"]
    assert len(group.stores[A].sent) + len(group.stores[B].sent) == 6


def test_an_unreachable_worker_is_a_503_naming_it(group, full):
    group.down.add(B)
    on_b = next(c for c in full.cases_by_id if OWNERS[partition_of(c, 3)] == B)
    for path in (f"/api/v1/cases/{on_b}", "/api/v1/cases", "/api/v1/summary"):
        answer = group.call(A, "GET", path, bearer=token("leader"))
        assert answer.status == 503, path
        assert B in answer.body["message"] and answer.headers["Retry-After"] == "5"


def test_a_partition_without_a_worker_is_a_503(full):
    group = Group(full, {0: A, 1: B, 2: A})
    del group.owners[1]
    answer = group.call(A, "GET", "/api/v1/cases", bearer=token("leader"))
    assert answer.status == 503 and "partition 1" in answer.body["message"]


def test_parts_that_do_not_cover_each_partition_once_are_a_503(group):
    group.held[B] = {0, 1, 2}  # B still thinks it holds A's partitions (a stale assignment)
    answer = group.call(A, "GET", "/api/v1/cases", bearer=token("leader"))
    assert answer.status == 503 and "retry" in answer.body["message"]


def test_a_request_from_another_worker_is_never_sent_on(group, full):
    on_b = next(c for c in full.cases_by_id if OWNERS[partition_of(c, 3)] == B)
    local = replace(request("GET", f"/api/v1/cases/{on_b}", bearer=token("leader")), local=True)
    answer = asyncio.run(group.handle(A, local))
    assert answer.status == 503 and group.asked == []
    part = asyncio.run(group.handle(A, replace(local, path="/api/v1/cases")))
    assert part.status == 200 and part.body["partitions"] == [0, 2]
    assert part.body["part"]["total"] == len(group.stores[A].cases_by_id)
