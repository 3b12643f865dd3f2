"""Two real workers share the case partitions: the case API answers the same on both.

Two ``citybrain worker`` processes of one app id on the real broker, each
with its own web port and state directory, split the three case partitions.
Reports are posted with client command ids chosen so their cases land on
every partition, to either worker (a retry after a 503 is harmless); one is
accepted through the worker that does not hold it. Then every case, its
events, every page of the list and the summary read from each worker are
equal, a round at a time: worker 1, worker 2, worker 1 again, and the round
counts only when worker 1 answered the same twice (the engine's deadline
timer may still be at work). The broker is the test's own, so the list holds
exactly the test's cases. Without a token both answer 401. Then worker 2
stops: while worker 1 takes its partitions over, each answer is the same as
before or a 503, never a 404 or a short list, until it answers everything.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from test_case_api_support import REPORT, SECRET, token

from citybrain.topics import registry
from pipelines import processes
from pipelines.broker import LocalBroker, free_port
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.reference import export
from pipelines.topics_admin import create_topics
from streams.cases.api.issuing import REPORT_CASE_NAMESPACE
from streams.cases.api.model import LOCAL_HEADER
from streams.cases.wire import partition_of

APP_ID = "cases-api-2w"
PARTITIONS = 3
CASES_PER_PARTITION = 3
SUPERVISOR = "supervisor-2w"


def ask(
    port: int, method: str, path: str, *, bearer: str | None = None, json: Any = None, **headers
) -> tuple[int, Any]:
    """Status and JSON body of one request to the worker on ``port``."""
    data = None if json is None else orjson.dumps(json)
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if bearer is not None:
        req.add_header("Authorization", f"Bearer {bearer}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, orjson.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, orjson.loads(exc.read() or b"null")
    except OSError as exc:  # not listening yet
        return 0, repr(exc)


def api_counter(port: int, name: str) -> int:
    """A counter of the worker's case API from its /metrics page."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as page:
        lines = page.read().decode().splitlines()
    prefix = f'citybrain_records_total{{agent="case_api",counter="{name}"}} '
    (line,) = [line for line in lines if line.startswith(prefix)]
    return int(line[len(prefix) :])


def fresh(role: str) -> str:
    """A token valid now (the workers check it against the real clock)."""
    return token(
        role, subject=SUPERVISOR if role == "supervisor" else None, now_at=datetime.now(UTC)
    )


def wait_for(condition, what: str, workers, timeout_s: float = 180.0):
    deadline = time.monotonic() + timeout_s
    while True:
        if (result := condition()) is not None:
            return result
        for child in workers:
            assert child.alive(), f"{child.name} died:\n{child.log_tail()}"
        logs = "\n".join(c.log_tail(15) for c in workers)
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{logs}"
        time.sleep(0.5)


def split(ports: list[int]):
    """Each worker's case partitions once both hold some and together all; else None."""
    held = []
    for port in ports:
        status, body = ask(
            port, "GET", "/api/v1/cases?limit=1", bearer=fresh("leader"), **{LOCAL_HEADER: "local"}
        )
        if status != 200:
            return None
        held.append(set(body["partitions"]))
    first, second = held
    if first and second and not first & second and first | second == set(range(PARTITIONS)):
        return held
    return None


def command_ids(run: str) -> dict[str, str]:
    """Client command ids whose reports' cases cover every partition: case id → command id."""
    chosen: dict[str, str] = {}
    per_partition = dict.fromkeys(range(PARTITIONS), 0)
    n = 0
    while min(per_partition.values()) < CASES_PER_PARTITION:
        command_id = f"{run}-{n}"
        seed = f"{SUPERVISOR}|{command_id}"
        case_id = f"case-{uuid.uuid5(REPORT_CASE_NAMESPACE, seed).hex[:20]}"
        partition = partition_of(case_id, PARTITIONS)
        if per_partition[partition] < CASES_PER_PARTITION:
            per_partition[partition] += 1
            chosen[case_id] = command_id
        n += 1
    return chosen


def post_until_accepted(port: int, path: str, role: str, body: dict, workers) -> dict:
    """POST, again while the answer is 503 (the group rebalancing): the command id dedups."""

    def accepted():
        status, answer = ask(port, "POST", path, bearer=fresh(role), json=body)
        if status == 503:
            return None
        assert status == 202, (status, answer)
        return answer

    return wait_for(accepted, f"POST {path}", workers)


def reads(port: int, case_ids: list[str], bearer: str) -> dict[str, Any]:
    """Everything the test compares, read from one worker."""
    out: dict[str, Any] = {}
    status, first = ask(port, "GET", "/api/v1/cases?limit=500", bearer=bearer)
    out["list"] = (status, first)
    total = first["total"] if status == 200 else 0
    for offset in range(0, min(total, 60), 7):
        out[f"page {offset}"] = ask(
            port, "GET", f"/api/v1/cases?limit=7&offset={offset}", bearer=bearer
        )
    status, summary = ask(port, "GET", "/api/v1/summary", bearer=bearer)
    out["summary"] = (status, {k: v for k, v in summary.items() if k != "as_of"})
    for case_id in case_ids:
        out[case_id] = ask(port, "GET", f"/api/v1/cases/{case_id}", bearer=bearer)
        out[f"{case_id}/events"] = ask(
            port, "GET", f"/api/v1/cases/{case_id}/events", bearer=bearer
        )
    return out


def page_offset(key: str) -> int:
    return int(key.split()[1]) if key.startswith("page ") else -1


def page_items(read: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return read[key][1]["items"] if key.startswith("page ") else []


@pytest.fixture
def own_broker(settings_env) -> Iterator[str]:
    """A broker of this test's own: other tests' records on shared topics stay out."""
    broker = LocalBroker(settings_env)
    address = broker.start()
    try:
        yield address
    finally:
        broker.stop()


@pytest.mark.integration
def test_two_workers_answer_every_case_read_and_list_alike(settings_env, own_broker, monkeypatch):
    monkeypatch.setenv("CITYBRAIN_API_SECRET", SECRET)
    first = replace(settings_env, app_id=APP_ID, broker=own_broker)
    second = replace(first, web_port=free_port(), state_dir=first.home / "state-2")
    asyncio.run(create_topics(first.broker, registry(APP_ID)))
    export(build(scale=0.01), first.reference_path)
    log_dir = first.home / "logs"
    ports = [first.web_port, second.web_port]
    workers = [
        processes.start("worker", first, log_dir=log_dir, name="worker-1", loglevel="info"),
        processes.start("worker", second, log_dir=log_dir, name="worker-2", loglevel="info"),
    ]
    try:
        held = wait_for(lambda: split(ports), "both workers to hold case partitions", workers)
        chosen = command_ids(uuid.uuid4().hex[:8])
        for n, (case_id, command_id) in enumerate(chosen.items()):
            body = {**REPORT, "command_id": command_id}
            answer = post_until_accepted(ports[n % 2], "/api/v1/cases", "supervisor", body, workers)
            assert answer["case_id"] == case_id
        case_ids = sorted(chosen)

        def all_listed():
            for port in ports:
                status, body = ask(port, "GET", "/api/v1/cases?limit=500", bearer=fresh("leader"))
                if status != 200 or not set(case_ids) <= {c["case_id"] for c in body["items"]}:
                    return None
            return True

        wait_for(all_listed, "every report's case listed on both workers", workers)

        # accept one case through the worker that does not hold it
        target = next(c for c in case_ids if partition_of(c, PARTITIONS) in held[1])
        path = f"/api/v1/cases/{target}/commands/accept"
        post_until_accepted(ports[0], path, "call_taker", {"command_id": "accept-2w"}, workers)

        def accepted_on_both():
            states = [
                ask(p, "GET", f"/api/v1/cases/{target}", bearer=fresh("leader")) for p in ports
            ]
            return True if all(s == 200 and b["state"] == "accepted" for s, b in states) else None

        wait_for(accepted_on_both, f"{target} accepted", workers)

        def same_round():
            bearer = fresh("leader")
            one = reads(ports[0], case_ids, bearer)
            two = reads(ports[1], case_ids, bearer)
            again = reads(ports[0], case_ids, bearer)
            return (one, two) if one == again else None  # nothing changed meanwhile

        one, two = wait_for(same_round, "a round in which nothing changed", workers)
        assert all(status == 200 for status, _ in one.values()), one
        assert one == two
        listed = [c["case_id"] for c in one["list"][1]["items"]]
        assert sorted(listed) == case_ids and one["list"][1]["total"] == len(case_ids)
        paged = [c["case_id"] for k in sorted(one, key=page_offset) for c in page_items(one, k)]
        assert paged == listed[: len(paged)] and len(paged) == min(len(listed), 63)
        assert one[target][1]["state"] == "accepted"
        assert [e["command"] for e in one[f"{target}/events"][1]["events"]] == ["report", "accept"]
        ours = {"supervisor": SUPERVISOR, "reports": len(case_ids), "registered": 0}
        assert one["summary"][1]["supervisors"] == [ours]
        assert one["summary"][1]["open"] == one["summary"][1]["reported"] == len(case_ids)
        assert one["summary"][1]["open_by_state"] == {"accepted": 1, "reported": len(case_ids) - 1}

        for port in ports:
            assert ask(port, "GET", "/api/v1/cases")[0] == 401
            assert ask(port, "GET", f"/api/v1/cases/{target}")[0] == 401
            assert ask(port, "GET", "/api/v1/summary")[0] == 401

        for port in ports:  # each asked the other
            assert api_counter(port, "peer_requests") > 0

        # worker 2 leaves: until worker 1 holds every partition it answers right or 503
        assert workers[1].stop() == 0

        def alone():
            now = reads(ports[0], case_ids, fresh("leader"))
            for key, answer in now.items():
                assert answer[0] == 503 or answer == one[key], (key, answer)
            return True if now == one else None

        wait_for(alone, "worker 1 to answer for every partition alone", workers[:1])
    finally:
        for child in workers:
            child.stop()
